package task

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
)

// Task state bits, set once each.
const (
	stFinished uint32 = 1 << iota // the task's function has returned or panicked
	stAborted                     // Abort took effect before the task finished
	stDetached                    // nobody will join: a panic must crash
)

// core is what every abortable task carries: its identity, its context and
// the state that decides the race between finishing and aborting.
type core struct {
	info   Info
	ctx    taskCtx
	cancel context.CancelCauseFunc
	state  atomic.Uint32
}

func (c *core) init(parent context.Context, name string) {
	if parent == nil {
		panic("task: nil Context")
	}
	c.info = Info{ID: newID(), Name: name, Parent: parentOf(parent)}
	inner, cancel := context.WithCancelCause(parent)
	c.ctx = taskCtx{Context: inner, info: &c.info}
	c.cancel = cancel
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
			c.cancel(ErrAborted)
			return true
		}
	}
}

// finish releases the task's context and marks it finished, returning the
// state bits set before. Abort and Detach race with it through state alone.
func (c *core) finish() uint32 {
	c.cancel(nil)
	return c.state.Or(stFinished)
}

// abortedErr is the error of a task that was aborted before it finished and
// whose function returned err: ErrAborted, keeping err too when it says more
// than the cancellation the abort caused.
func abortedErr(err error) error {
	if err == nil || errors.Is(err, context.Canceled) || errors.Is(err, ErrAborted) {
		return ErrAborted
	}
	return fmt.Errorf("%w: %w", ErrAborted, err)
}
