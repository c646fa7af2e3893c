package watch

import (
	"sync"
	"sync/atomic"

	"github.com/shio-rt/shio/internal/obs"
)

// version is one value of the channel. Versions are immutable once stored,
// so receivers read them without a lock.
type version[T any] struct {
	val T
	ver uint64 // increases by one with every change
}

// shared is the state a sender and its receivers share.
type shared[T any] struct {
	cur       atomic.Pointer[version[T]]
	closed    atomic.Bool  // set under mu, after the last change
	receivers atomic.Int64 // open receivers

	// mu orders the changes (so versions increase with values) and guards
	// notify.
	mu sync.Mutex
	// notify is closed by the next change or close to wake every waiting
	// receiver; nil while nobody waits.
	notify chan struct{}

	// For the collector: woke is the obs.Stamp of the last wake-up of the
	// waiting receivers (guarded by mu), parked the receives blocked on
	// notify.
	woke   int64
	parked atomic.Int32
}

// Sender is the sending side of a watch channel, created by [New].
//
// The zero value is not usable. A Sender is safe for concurrent use: changes
// are applied one at a time, in one order every receiver observes.
type Sender[T any] struct {
	sh *shared[T]
}

// New returns a channel holding initial, with its sender and a first
// receiver. The receiver counts initial as seen.
func New[T any](initial T) (*Sender[T], *Receiver[T]) {
	sh := &shared[T]{}
	sh.cur.Store(&version[T]{val: initial})
	sh.receivers.Store(1)
	obs.RegisterChan(sh, (*shared[T]).obsStats)
	return &Sender[T]{sh: sh}, newReceiver(sh, 0)
}

// Send replaces the value with v and wakes the waiting receivers. It
// returns [ErrNoReceivers] without storing v when every receiver is closed,
// and [ErrClosed] after [Sender.Close]. A Send synchronizes before every
// [Receiver.Load] that returns v.
func (s *Sender[T]) Send(v T) error {
	sh := s.sh
	sh.mu.Lock()
	defer sh.mu.Unlock()
	switch {
	case sh.closed.Load():
		return ErrClosed
	case sh.receivers.Load() == 0:
		return ErrNoReceivers
	}
	sh.storeLocked(v)
	return nil
}

// SendModify changes the value in place with modify and wakes the waiting
// receivers, whether or not any receiver is open. modify works on a copy of
// the current value (a shallow copy: memory that T points to is shared with
// the old version, so modify should replace rather than mutate it). modify
// runs under the channel's lock and must not call the channel's methods.
// After [Sender.Close], SendModify does nothing.
func (s *Sender[T]) SendModify(modify func(*T)) {
	s.SendIfModified(func(v *T) bool {
		modify(v)
		return true
	})
}

// SendIfModified is [Sender.SendModify] where modify reports whether it
// changed the value: if it returns false, the copy is discarded, the value
// and its version stay as they were, and no receiver is woken.
// SendIfModified reports whether the value changed.
func (s *Sender[T]) SendIfModified(modify func(*T) bool) bool {
	sh := s.sh
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if sh.closed.Load() {
		return false
	}
	v := sh.cur.Load().val
	if !modify(&v) {
		return false
	}
	sh.storeLocked(v)
	return true
}

func (sh *shared[T]) storeLocked(v T) {
	sh.cur.Store(&version[T]{val: v, ver: sh.cur.Load().ver + 1})
	sh.wakeLocked()
}

func (sh *shared[T]) wakeLocked() {
	if sh.notify != nil {
		sh.woke = obs.Stamp()
		close(sh.notify)
		sh.notify = nil
	}
}

// Load returns a copy of the latest value, as [Receiver.Load] does.
func (s *Sender[T]) Load() T { return s.sh.cur.Load().val }

// Subscribe returns a new receiver that counts the current value as seen.
func (s *Sender[T]) Subscribe() *Receiver[T] {
	sh := s.sh
	sh.receivers.Add(1)
	return newReceiver(sh, sh.cur.Load().ver)
}

// ReceiverCount returns the number of open receivers. A receiver dropped
// without [Receiver.Close] counts until the garbage collector closes it.
func (s *Sender[T]) ReceiverCount() int { return int(s.sh.receivers.Load()) }

// Close closes the channel: receivers keep the last value, get any change
// they have not seen yet, and then [ErrClosed]. Close is idempotent.
func (s *Sender[T]) Close() {
	sh := s.sh
	sh.mu.Lock()
	defer sh.mu.Unlock()
	sh.closed.Store(true)
	sh.wakeLocked()
}
