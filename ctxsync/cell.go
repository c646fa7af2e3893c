package ctxsync

import (
	"context"
	"sync"
)

// A Cell holds a value of type T that is set once; goroutines can wait for
// it. It is a future whose value is set by whoever gets there first.
//
// The zero value is an empty cell. A Cell must not be copied after first
// use. The winning Set synchronizes before every Get, TryGet or receive from
// Done that observes the value.
//
// Cost: a Cell is an [Event] plus the value; TryGet on a set cell is one
// atomic load.
type Cell[T any] struct {
	mu sync.Mutex // serialises Set; the value is published by ev
	v  T          // written once, before ev is set
	ev Event
}

// Set stores v if the cell is empty, wakes every waiter, and reports
// whether it did. A Set on a full cell changes nothing and reports false.
func (c *Cell[T]) Set(v T) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ev.IsSet() {
		return false
	}
	c.v = v
	c.ev.Set()
	return true
}

// TryGet returns the value and true if the cell is set, or the zero value
// and false if it is not.
func (c *Cell[T]) TryGet() (T, bool) {
	if !c.ev.IsSet() {
		var zero T
		return zero, false
	}
	return c.v, true
}

// Done returns a channel that is closed when the cell is set.
func (c *Cell[T]) Done() <-chan struct{} { return c.ev.Done() }

// Get waits until the cell is set and returns its value, or returns the
// zero value and ctx.Err() if ctx is done first. If the cell is already set,
// Get returns the value even when ctx is done.
//
// # Cancellation
//
// A cancelled Get leaves nothing behind: the cell and other waiters are
// unaffected, and a later Set still succeeds.
func (c *Cell[T]) Get(ctx context.Context) (T, error) {
	if err := c.ev.Wait(ctx); err != nil {
		var zero T
		return zero, err
	}
	return c.v, nil
}
