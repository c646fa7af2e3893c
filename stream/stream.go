package stream

import (
	"context"
	"errors"
	"runtime/debug"

	"github.com/shio-rt/shio/broadcast"
	"github.com/shio-rt/shio/task"
)

// ErrClosed is returned by Next after Close, by the streams of this
// package.
var ErrClosed = errors.New("stream: closed")

// Stream is a pull-based asynchronous sequence of values of type T.
//
// Next returns the next value, or io.EOF after the last one, or another
// error that ends the stream. Close releases the stream and everything
// upstream of it, and waits for any goroutines the stream runs; it is
// idempotent, and after it Next returns [ErrClosed] (for this package's
// streams).
//
// A Stream is used by one goroutine at a time: Close must not be called
// while Next runs in another goroutine; cancel that Next's context first.
//
// # Cancellation
//
// When ctx is done, Next returns ctx.Err() promptly. Unless a stream's
// documentation says otherwise, no element is lost: the next call resumes
// where the cancelled one stopped. The exceptions are stages that call a
// user function with ctx ([TryMap]), which lose the element that function
// was working on.
type Stream[T any] interface {
	Next(ctx context.Context) (T, error)
	Close() error
}

// newPanicError wraps a recovered value in a [*task.PanicError], keeping an
// existing one so that a panic crossing several stages keeps its original
// stack. A stage goroutine is not a task: Task is the zero Info.
func newPanicError(r any) *task.PanicError {
	if p, ok := r.(*task.PanicError); ok {
		return p
	}
	return &task.PanicError{Value: r, Stack: debug.Stack()}
}

// resumable reports whether err from Next leaves the stream usable while
// ctx is live: a timeout (see [Timeout]) or a broadcast lag (see
// [FromBroadcast]).
func resumable(ctx context.Context, err error) bool {
	if ctx.Err() != nil {
		return false
	}
	var lag *broadcast.LagError
	return transient(ctx, err) || errors.As(err, &lag)
}

// transient reports whether err from Next leaves the stream usable: a
// context error while ctx is done, or a timeout (see [Timeout]).
func transient(ctx context.Context, err error) bool {
	if ctx.Err() != nil {
		return true
	}
	var t interface{ Timeout() bool }
	return errors.As(err, &t) && t.Timeout()
}
