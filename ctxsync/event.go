package ctxsync

import (
	"context"
	"sync"
	"sync/atomic"

	"github.com/shio-rt/shio/internal/obs"
)

// closedChan is a channel closed at start-up, shared by every Event that is
// set before anyone asks for its channel.
var closedChan = func() chan struct{} {
	c := make(chan struct{})
	close(c)
	return c
}()

// An Event is a flag that is set once and never cleared; goroutines can
// wait for it to be set. It is the context-aware, select-friendly form of a
// "closed" channel that is safe to set more than once.
//
// The zero value is an unset event. An Event must not be copied after first
// use. Set synchronizes before the return of every Wait and every receive
// from Done that observes it, and before every IsSet that reports true.
//
// Cost: IsSet is one atomic load. Done allocates the event's channel on
// first use; Set and Wait take a short internal lock at most once each on
// their slow path.
type Event struct {
	set atomic.Bool
	mu  sync.Mutex    // guards ch
	ch  chan struct{} // created on first use, closed by Set
}

// Set sets the event, waking every waiter, and reports whether this call
// set it: false if it was already set.
func (e *Event) Set() bool {
	if e.set.Load() {
		return false
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.set.Load() {
		return false
	}
	// Mark it set before waking anyone: a waiter released by the close must
	// see IsSet report true.
	e.set.Store(true)
	if e.ch == nil {
		e.ch = closedChan
	} else {
		close(e.ch)
	}
	return true
}

// IsSet reports whether the event is set.
func (e *Event) IsSet() bool { return e.set.Load() }

// Done returns a channel that is closed when the event is set.
func (e *Event) Done() <-chan struct{} {
	if e.set.Load() {
		return closedChan
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.ch == nil {
		e.ch = make(chan struct{})
	}
	return e.ch
}

// Wait blocks until the event is set and returns nil, or until ctx is done
// and returns ctx.Err(). If the event is already set, Wait returns nil even
// when ctx is done.
//
// # Cancellation
//
// A cancelled Wait leaves nothing behind: the event and other waiters are
// unaffected.
func (e *Event) Wait(ctx context.Context) error {
	if e.set.Load() {
		return nil
	}
	if rec := obs.Park(ctx, obs.KindEvent, e); rec != nil {
		defer rec.Resume(0)
	}
	select {
	case <-e.Done():
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
