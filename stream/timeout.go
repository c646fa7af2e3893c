package stream

import (
	"context"
	"time"

	"github.com/shio-rt/shio/timer"
)

// Timeout returns a stream that fails a Next that takes longer than d to
// produce a value from s. The error is a [*timer.TimeoutError]: it
// satisfies Timeout() bool and matches context.DeadlineExceeded.
//
// Unlike other errors, a timeout does not end the stream: s lost nothing
// (see [Stream]'s cancellation rule), and the next call waits again, up to
// d, as Tokio's timeout does. To stop at the first timeout, stop on the
// error. Each Next costs a context and a runtime timer.
func Timeout[T any](s Stream[T], d time.Duration) Stream[T] { return &timeoutStream[T]{up: s, d: d} }

type timeoutStream[T any] struct {
	up Stream[T]
	d  time.Duration
}

func (t *timeoutStream[T]) Next(ctx context.Context) (T, error) {
	return timer.Timeout(ctx, t.d, t.up.Next)
}

func (t *timeoutStream[T]) Close() error { return t.up.Close() }
