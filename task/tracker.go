package task

import (
	"context"
	"sync"
)

// A Tracker counts tasks so that a server can close it at shutdown and wait
// for the tasks to finish. It keeps no results. The zero value is an open,
// empty tracker; a Tracker must not be copied after first use.
//
// A Tracker's tasks are detached: a panic in one crashes the program, as in
// a bare go statement (see the package documentation).
//
// Its methods are safe for concurrent use. The return of every task
// synchronizes before the Wait that it lets return.
type Tracker struct {
	mu     sync.Mutex    // guards the fields below
	n      int           // tasks running
	closed bool          // Close was called (and Reopen was not, since)
	idle   chan struct{} // non-nil while a Wait waits; closed when closed && n == 0
}

// Go starts f as a tracked task, with a context derived from ctx that
// carries the task's [Info], and returns its ID. Tasks can be started
// after Close; they are tracked all the same.
func (t *Tracker) Go(ctx context.Context, f func(ctx context.Context)) ID {
	if ctx == nil {
		panic("task: nil Context")
	}
	c := &child{info: Info{ID: newID(), Parent: parentOf(ctx)}}
	c.ctx = taskCtx{Context: ctx, info: &c.info}
	t.mu.Lock()
	t.n++
	t.mu.Unlock()
	go func() {
		defer t.done()
		f(&c.ctx)
	}()
	return c.info.ID
}

func (t *Tracker) done() {
	t.mu.Lock()
	t.n--
	t.signalLocked()
	t.mu.Unlock()
}

// signalLocked wakes the waiters if the tracker is closed and empty.
func (t *Tracker) signalLocked() {
	if t.closed && t.n == 0 && t.idle != nil {
		close(t.idle)
		t.idle = nil
	}
}

// Close marks the tracker closed: from now on, Wait returns as soon as no
// tracked task runs. It does not stop any task.
func (t *Tracker) Close() {
	t.mu.Lock()
	t.closed = true
	t.signalLocked()
	t.mu.Unlock()
}

// Reopen undoes Close, so that Wait again waits for a Close.
func (t *Tracker) Reopen() {
	t.mu.Lock()
	t.closed = false
	t.mu.Unlock()
}

// Len reports the number of tracked tasks still running.
func (t *Tracker) Len() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.n
}

// Wait waits until the tracker is closed and no tracked task is running.
//
// # Cancellation
//
// If ctx ends first, Wait returns ctx.Err(); the tracker and its tasks are
// unaffected.
func (t *Tracker) Wait(ctx context.Context) error {
	t.mu.Lock()
	if t.closed && t.n == 0 {
		t.mu.Unlock()
		return nil
	}
	if t.idle == nil {
		t.idle = make(chan struct{})
	}
	idle := t.idle
	t.mu.Unlock()
	select {
	case <-idle:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
