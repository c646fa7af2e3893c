package broadcast

import (
	"math/bits"
	"sync"
	"sync/atomic"
	"weak"

	"github.com/shio-rt/shio/internal/obs"
)

// entry is one sent value. Entries are immutable once stored, so receivers
// read them without a lock while the sender overwrites their slot.
type entry[T any] struct {
	seq uint64 // position in the stream, from 0
	val T
}

// shared is the state a sender and its receivers share.
type shared[T any] struct {
	mask  uint64 // len(slots)-1; len(slots) is a power of two
	slots []atomic.Pointer[entry[T]]
	// tail is the sequence number of the next value. It is stored after
	// the value's entry, under mu.
	tail      atomic.Uint64
	closed    atomic.Bool  // set under mu, after the last send
	receivers atomic.Int64 // open receivers

	mu sync.Mutex
	// notify is closed by the next send or close to wake every waiting
	// receiver; nil while nobody waits. Guarded by mu.
	notify chan struct{}

	// For the collector: woke is the obs.Stamp of the last wake-up of the
	// waiting receivers (guarded by mu), parked the receives blocked on
	// notify.
	woke   int64
	parked atomic.Int32
	// missed counts the values receivers lost to lag (LagError.Missed).
	missed atomic.Uint64
	// watched: the channel was made at the collector's Full level. Then
	// each receiver publishes its position, and positions holds them
	// weakly (guarded by mu), for the collector's view of how far behind
	// each receiver is.
	watched   bool
	positions []weak.Pointer[atomic.Uint64]
}

// Sender is the sending side of a broadcast channel, created by [New].
//
// The zero value is not usable. A Sender is safe for concurrent use by
// several goroutines; their values are interleaved in one order that every
// receiver sees.
type Sender[T any] struct {
	sh *shared[T]
}

// New returns a channel that keeps the last capacity values, capacity
// rounded up to a power of two, with its sender and a first receiver, as
// Tokio's broadcast::channel does. It panics if capacity < 1. Subscribe
// more receivers with [Sender.Subscribe]; a receiver sees the values sent
// after it subscribed. Close the first receiver if it is not needed: while it
// is open, Send counts it and the ring keeps values for it. The ring is
// allocated up front: one pointer per kept value, and the values themselves
// stay reachable until overwritten or until the last open receiver closes.
func New[T any](capacity int) (*Sender[T], *Receiver[T]) {
	if capacity < 1 {
		panic("broadcast: New with capacity < 1")
	}
	size := uint64(1) << bits.Len64(uint64(capacity-1))
	tx := &Sender[T]{sh: &shared[T]{mask: size - 1, slots: make([]atomic.Pointer[entry[T]], size)}}
	tx.sh.watched = obs.Current() == obs.Full
	obs.RegisterChan(tx.sh, (*shared[T]).obsStats)
	return tx, tx.Subscribe()
}

// Send delivers v to every subscribed receiver and returns how many there
// were. It never blocks: when a receiver is capacity values behind, the
// oldest value is overwritten and that receiver will see a [*LagError].
//
// Send returns [ErrNoReceivers] (and keeps nothing) when no receiver is
// subscribed, and [ErrClosed] after [Sender.Close]. A Send synchronizes
// before every receive that returns v.
func (s *Sender[T]) Send(v T) (receivers int, err error) {
	sh := s.sh
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if sh.closed.Load() {
		return 0, ErrClosed
	}
	n := sh.receivers.Load()
	if n == 0 {
		return 0, ErrNoReceivers
	}
	seq := sh.tail.Load()
	sh.slots[seq&sh.mask].Store(&entry[T]{seq: seq, val: v})
	sh.tail.Store(seq + 1)
	sh.wakeLocked()
	return int(n), nil
}

func (sh *shared[T]) wakeLocked() {
	if sh.notify != nil {
		sh.woke = obs.Stamp()
		close(sh.notify)
		sh.notify = nil
	}
}

// Subscribe returns a new receiver that sees every value sent from now on.
// A receiver subscribed after [Sender.Close] gets [ErrClosed].
func (s *Sender[T]) Subscribe() *Receiver[T] {
	sh := s.sh
	sh.mu.Lock()
	sh.receivers.Add(1)
	next := sh.tail.Load()
	var pos *atomic.Uint64
	if sh.watched {
		pos = sh.watchLocked(next)
	}
	sh.mu.Unlock()
	return newReceiver(sh, next, pos)
}

// ReceiverCount returns the number of open receivers. A receiver dropped
// without [Receiver.Close] counts until the garbage collector closes it.
func (s *Sender[T]) ReceiverCount() int { return int(s.sh.receivers.Load()) }

// Close closes the channel: later sends fail with [ErrClosed], and each
// receiver gets [ErrClosed] once it has received the values still kept for
// it. Close is idempotent.
func (s *Sender[T]) Close() {
	sh := s.sh
	sh.mu.Lock()
	defer sh.mu.Unlock()
	sh.closed.Store(true)
	sh.wakeLocked()
}

// Cap returns the number of values the channel keeps: the capacity given to
// [New], rounded up to a power of two.
func (s *Sender[T]) Cap() int { return len(s.sh.slots) }
