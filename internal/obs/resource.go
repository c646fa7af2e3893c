package obs

import (
	"context"
	"reflect"
	"slices"
	"sync"
	"sync/atomic"
	"weak"
)

// registry is a set of weakly held resources: registering one keeps it no
// longer alive than its owner does (a strong registry would also hide a
// leaked lock or channel from Go's goroutine-leak profile). Entries of dead
// resources are dropped when the registry is read and whenever it has
// doubled since the last sweep, so it holds at most about twice the live
// resources registered.
type registry[T any] struct {
	mu      sync.Mutex // guards the fields below
	ents    []weak.Pointer[T]
	sweepAt int
}

func (r *registry[T]) add(p *T) {
	wp := weak.Make(p)
	r.mu.Lock()
	r.ents = append(r.ents, wp)
	if len(r.ents) >= r.sweepAt {
		r.sweepLocked()
		r.sweepAt = max(2*len(r.ents), 64)
	}
	r.mu.Unlock()
}

// sweepLocked drops the entries of dead resources.
func (r *registry[T]) sweepLocked() {
	r.ents = slices.DeleteFunc(r.ents, func(w weak.Pointer[T]) bool { return w.Value() == nil })
}

// live returns the live resources, sweeping the dead ones.
func (r *registry[T]) live() []*T {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]*T, 0, len(r.ents))
	n := 0
	for _, w := range r.ents {
		if p := w.Value(); p != nil {
			out = append(out, p)
			r.ents[n] = w
			n++
		}
	}
	clear(r.ents[n:])
	r.ents = r.ents[:n]
	return out
}

func (r *registry[T]) len() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.ents)
}

// addrOf returns the address p points to, or 0 if p is not a pointer.
func addrOf(p any) uintptr {
	if v := reflect.ValueOf(p); v.Kind() == reflect.Pointer {
		return v.Pointer()
	}
	return 0
}

// A Lock is what the Full level keeps of a lock: who holds it and since
// when. The lock owns it (through a [LockRef]) and the collector only
// registers it weakly. Every field is written with atomics by the lock's
// users and read by snapshots.
type Lock struct {
	kind    Kind
	addr    uintptr       // what its waiters park on (see Park)
	holder  atomic.Uint64 // the task holding it exclusively, 0 if none or unknown
	since   atomic.Int64  // Now when it was taken exclusively, 0 while not held so
	readers atomic.Int64  // read holders (a read-write lock)
	rsince  atomic.Int64  // Now when the readers went from 0 to 1
	taken   atomic.Int64  // acquisitions, exclusive or shared
}

// A LockRef is a lock's link to its [Lock], made on the first acquisition at
// the Full level; embed it in the lock (one word). Its zero value is ready.
type LockRef struct{ p atomic.Pointer[Lock] }

var locks registry[Lock]

// get returns the Lock of r, making and registering it if needed.
func (r *LockRef) get(k Kind, on any) *Lock {
	if l := r.p.Load(); l != nil {
		return l
	}
	l := &Lock{kind: k, addr: addrOf(on)}
	if !r.p.CompareAndSwap(nil, l) {
		return r.p.Load()
	}
	locks.add(l)
	return l
}

// Acquired records that the task ctx belongs to (none if ctx is nil) has
// taken the lock exclusively. k is the lock's kind and on what its waiters
// park on (see [Park]). It costs an atomic load and a branch below the Full
// level.
func (r *LockRef) Acquired(ctx context.Context, k Kind, on any) {
	if level.Load() < int32(Full) {
		return
	}
	r.acquired(ctx, k, on)
}

func (r *LockRef) acquired(ctx context.Context, k Kind, on any) {
	l := r.get(k, on)
	var id uint64
	if ctx != nil {
		if t := FromContext(ctx); t != nil && t.x() != nil {
			id = t.x().ID
		}
	}
	l.holder.Store(id)
	l.since.Store(nonzero(Now()))
	l.taken.Add(1)
}

// Released records that the exclusive holder released the lock.
func (r *LockRef) Released() {
	if l := r.p.Load(); l != nil {
		l.since.Store(0)
		l.holder.Store(0)
	}
}

// RAcquired records a shared (read) acquisition.
func (r *LockRef) RAcquired(k Kind, on any) {
	if level.Load() < int32(Full) {
		return
	}
	l := r.get(k, on)
	if l.readers.Add(1) == 1 {
		l.rsince.Store(nonzero(Now()))
	}
	l.taken.Add(1)
}

// RReleased records the release of a shared acquisition.
func (r *LockRef) RReleased() {
	if l := r.p.Load(); l != nil {
		l.readers.Add(-1)
	}
}

// LockSnapshot is a copy of a [Lock] with its waiters.
type LockSnapshot struct {
	Kind   string `json:"kind"`
	Addr   uint64 `json:"addr"`
	Holder uint64 `json:"holder,omitempty"` // task ID; 0: none, or not a task
	// HeldSince is when it was taken exclusively (0 if it is not).
	HeldSince int64 `json:"held_since,omitempty"`
	Readers   int64 `json:"readers,omitempty"`
	// ReadSince is when the current readers' run began (0 without readers).
	ReadSince int64 `json:"read_since,omitempty"`
	Taken     int64 `json:"taken"`
	// Waiters are the live tasks parked on it, oldest wait first (its
	// queue is FIFO, so this is the order they will be served in).
	Waiters []Waiter `json:"waiters,omitempty"`
}

// A Waiter is a task waiting on a resource, and since when.
type Waiter struct {
	Task  uint64 `json:"task"`
	Since int64  `json:"since"`
}

// Locks returns a snapshot of every live lock seen at the Full level, with
// its waiters taken from tasks (those parked on the lock in the live
// table).
func Locks(tasks []TaskSnapshot) []LockSnapshot {
	ls := locks.live()
	if len(ls) == 0 {
		return nil
	}
	waiters := waitersByAddr(tasks)
	out := make([]LockSnapshot, 0, len(ls))
	for _, l := range ls {
		s := LockSnapshot{Kind: l.kind.String(), Addr: uint64(l.addr), Taken: l.taken.Load()}
		if since := l.since.Load(); since != 0 {
			s.HeldSince, s.Holder = since, l.holder.Load()
		}
		if n := l.readers.Load(); n > 0 {
			s.Readers, s.ReadSince = n, l.rsince.Load()
		}
		s.Waiters = waiters[s.Addr]
		out = append(out, s)
	}
	return out
}

// waitersByAddr groups the waiting tasks by the address they wait on,
// oldest wait first.
func waitersByAddr(tasks []TaskSnapshot) map[uint64][]Waiter {
	m := map[uint64][]Waiter{}
	for _, t := range tasks {
		if t.State == "waiting" && t.WaitOn != 0 && t.WaitKind != "join" {
			m[t.WaitOn] = append(m[t.WaitOn], Waiter{Task: t.ID, Since: t.WaitSince})
		}
	}
	for _, ws := range m {
		slices.SortFunc(ws, func(a, b Waiter) int {
			if a.Since != b.Since {
				return cmpInt64(a.Since, b.Since)
			}
			return cmpInt64(int64(a.Task), int64(b.Task))
		})
	}
	return m
}

func cmpInt64(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// ChanStats is what a channel says of itself to the collector.
type ChanStats struct {
	Kind string `json:"kind"` // "mpsc", "oneshot", "broadcast", "watch"
	Addr uint64 `json:"addr"` // what its waiters park on (see Park)
	// Cap and Len: the capacity (0: unbounded, or 1 for a oneshot) and the
	// values held.
	Cap int `json:"cap"`
	Len int `json:"len"`
	// Blocked senders and receivers, as the channel counts them.
	Senders   int `json:"blocked_senders"`
	Receivers int `json:"blocked_receivers"`
	// Subscribers is the open receivers of a broadcast or watch channel.
	Subscribers int  `json:"subscribers,omitempty"`
	Closed      bool `json:"closed,omitempty"`
	// Lag is the values a broadcast channel's receivers have missed,
	// in total; Version a watch channel's current version.
	Lag     uint64 `json:"lag,omitempty"`
	Version uint64 `json:"version,omitempty"`
	// Behind is how many values each open receiver of a broadcast
	// channel made at the Full level is behind the sender, the farthest
	// first (a bounded number of them); past Cap, the receiver's next
	// receive reports a lag.
	Behind []uint64 `json:"behind,omitempty"`
}

// chanEntry is a registered channel: a weak pointer and the function that
// reads it through it.
type chanEntry interface {
	stats() (ChanStats, bool) // false once the channel is collected
	alive() bool
}

type weakChan[T any] struct {
	p weak.Pointer[T]
	f func(*T) ChanStats
}

func (w *weakChan[T]) alive() bool { return w.p.Value() != nil }

func (w *weakChan[T]) stats() (ChanStats, bool) {
	p := w.p.Value()
	if p == nil {
		return ChanStats{}, false
	}
	s := w.f(p)
	s.Addr = uint64(addrOf(p))
	return s, true
}

// chans holds the registered channels weakly: an entry is small and
// strong, the channel it points to is not. Entries of collected channels
// are dropped when the list is read and whenever it has doubled since the
// last sweep.
var chans struct {
	mu      sync.Mutex // guards the fields below
	ents    []chanEntry
	sweepAt int
}

// RegisterChan registers channel p at the Full level (below it, it does
// nothing): the console then lists it, reading it with stats, which must
// not keep p (a method expression, typically). The channel is held weakly;
// it leaves the list once collected.
func RegisterChan[T any](p *T, stats func(*T) ChanStats) {
	if level.Load() < int32(Full) {
		return
	}
	e := &weakChan[T]{p: weak.Make(p), f: stats}
	chans.mu.Lock()
	chans.ents = append(chans.ents, e)
	if len(chans.ents) >= chans.sweepAt {
		chans.ents = slices.DeleteFunc(chans.ents, func(e chanEntry) bool { return !e.alive() })
		chans.sweepAt = max(2*len(chans.ents), 64)
	}
	chans.mu.Unlock()
}

// Chans returns the stats of every live channel registered at the Full
// level, dropping the entries of collected ones.
func Chans() []ChanStats {
	chans.mu.Lock()
	es := slices.Clone(chans.ents)
	chans.mu.Unlock()
	out := make([]ChanStats, 0, len(es))
	dead := 0
	for _, e := range es {
		if s, ok := e.stats(); ok {
			out = append(out, s)
		} else {
			dead++
		}
	}
	if dead > 0 {
		chans.mu.Lock()
		chans.ents = slices.DeleteFunc(chans.ents, func(e chanEntry) bool { return !e.alive() })
		chans.mu.Unlock()
	}
	return out
}

// Registered returns the number of locks and channels in the registries,
// dead ones not yet swept included.
func Registered() (locksN, chansN int) {
	chans.mu.Lock()
	chansN = len(chans.ents)
	chans.mu.Unlock()
	return locks.len(), chansN
}
