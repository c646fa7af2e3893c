package task

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/shio-rt/shio/internal/obs"
)

// Task state bits, set once each.
const (
	stFinished uint32 = 1 << iota // the task's function has returned or panicked
	stAborted                     // Abort took effect before the task finished
	stDetached                    // nobody will join: a panic must crash
	stCtxBusy                     // inner is being made, under mu
	stCtx                         // inner and cancel are set (published by this bit)
)

// core is what every abortable task carries: its identity, its context and
// the state that decides the race between finishing and aborting.
//
// The task's context is the core itself, seen as a [lazyCtx]. The cancelable
// context behind it (inner) is made only when something needs it: a call of
// Done, a derived context, context.Cause, or Err once the task is aborted or
// finished. A task whose function never looks at its context costs no
// context allocation and no cancellation. Every transition of state is an
// atomic read-modify-write, so creating inner, aborting and finishing are
// totally ordered, and inner is cancelled before abort or finish returns:
//
//   - abort or finish before stCtxBusy: the creator sees it and cancels inner
//     before publishing it;
//   - between stCtxBusy and stCtx: abort or finish waits for mu, and the
//     creator, seeing it in the result of setting stCtx, cancels first;
//   - after stCtx: abort or finish cancels inner itself.
//
// The cause is the same whoever cancels: ErrAborted if stAborted is set
// (abort can only succeed before finish), otherwise none.
type core struct {
	info   Info
	parent context.Context
	state  atomic.Uint32
	mu     sync.Mutex // serializes the creation of inner
	inner  context.Context
	cancel context.CancelCauseFunc
	rec    obs.Task // the collector's record, in the task (off when collection is)
}

// init sets the task's identity; skip is the number of frames between init
// and the caller of the exported spawn function (the spawn site).
func (c *core) init(parent context.Context, name string, skip int) {
	if parent == nil {
		panic("task: nil Context")
	}
	c.info = Info{ID: newID(), Name: name, Parent: parentOf(parent)}
	c.parent = parent
	c.rec.Init(parent, uint64(c.info.ID), uint64(c.info.Parent), name, nil, skip+1)
}

// context returns the context handed to the task's function.
func (c *core) context() context.Context { return (*lazyCtx)(c) }

// causeOf is the cause with which a task in state s cancels its context.
func causeOf(s uint32) error {
	if s&stAborted != 0 {
		return ErrAborted
	}
	return nil
}

// ctx returns the task's cancelable context, creating it on first use.
func (c *core) ctx() context.Context {
	if c.state.Load()&stCtx != 0 {
		return c.inner
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.state.Load()&stCtx == 0 {
		s := c.state.Or(stCtxBusy)
		inner, cancel := context.WithCancelCause(c.parent)
		// Cancel before publishing when the task is already aborted or
		// finished, so that no reader sees inner live after seeing the
		// task's context done.
		if s&(stAborted|stFinished) != 0 {
			cancel(causeOf(s))
		}
		c.inner, c.cancel = inner, cancel
		if s := c.state.Or(stCtx); s&(stAborted|stFinished) != 0 {
			cancel(causeOf(s)) // aborted or finished meanwhile
		}
	}
	return c.inner
}

// abort marks the task aborted unless it has already finished, then cancels
// its context with ErrAborted as the cause. It reports whether it took effect.
func (c *core) abort() bool {
	for {
		s := c.state.Load()
		if s&(stFinished|stAborted) != 0 {
			return false
		}
		if c.state.CompareAndSwap(s, s|stAborted) {
			c.cancelled(s | stAborted)
			return true
		}
	}
}

// finish marks the task finished and releases its context, returning the
// state bits set before. Abort and Detach race with it through state alone.
func (c *core) finish() uint32 {
	old := c.state.Or(stFinished)
	c.cancelled(old | stFinished)
	return old
}

// cancelled makes sure inner is cancelled once abort or finish has set the
// state to s: it cancels inner if it is published, and waits for its creator
// (who then cancels it) if it is being made.
func (c *core) cancelled(s uint32) {
	switch {
	case s&stCtx != 0:
		c.cancel(causeOf(s))
	case s&stCtxBusy != 0:
		c.mu.Lock()
		c.mu.Unlock() //nolint:staticcheck // an empty critical section: wait for the creator
	}
}

// lazyCtx is a task's context: the core seen as a context.Context. It
// answers Value(infoKey{}) with the task's Info, and otherwise behaves as a
// context.WithCancelCause of the parent, which it creates only when asked
// for something the parent cannot answer alone.
type lazyCtx core

func (c *lazyCtx) Deadline() (time.Time, bool) { return c.parent.Deadline() }

func (c *lazyCtx) Done() <-chan struct{} { return (*core)(c).ctx().Done() }

func (c *lazyCtx) Err() error {
	s := c.state.Load()
	switch {
	case s&stCtx != 0:
		return c.inner.Err()
	case s&(stAborted|stFinished) == 0:
		// Not cancelled by the task: done exactly when the parent is. If
		// the parent is, inner will be created cancelled.
		return c.parent.Err()
	}
	return (*core)(c).ctx().Err()
}

func (c *lazyCtx) Value(key any) any {
	switch key.(type) {
	case infoKey:
		return &c.info
	case obs.Key:
		return c.rec.Recorded()
	case *int:
		// The context package finds a cancelable context by a key of this
		// type (context.Cause, contexts derived from this one), and only
		// inner can answer it.
		return (*core)(c).ctx().Value(key)
	}
	return c.parent.Value(key)
}

func (c *lazyCtx) String() string { return fmt.Sprint(c.parent) + ".WithCancel" }

// abortedErr is the error of a task that was aborted before it finished and
// whose function returned err: ErrAborted, keeping err too when it says more
// than the cancellation the abort caused.
func abortedErr(err error) error {
	if err == nil || errors.Is(err, context.Canceled) || errors.Is(err, ErrAborted) {
		return ErrAborted
	}
	return fmt.Errorf("%w: %w", ErrAborted, err)
}
