package stream

import (
	"context"
	"time"
)

// Throttle returns a stream of the values of s spaced at least d apart: a
// Next that comes sooner than d after the previous value waits out the
// rest of d before pulling s. Like Tokio's throttle it delays, never drops;
// a slow consumer is not slowed further. Throttle starts no goroutine and
// uses one runtime timer, armed only while it waits.
//
// # Cancellation
//
// A Next cancelled while waiting loses nothing and the wait already done
// counts.
func Throttle[T any](s Stream[T], d time.Duration) Stream[T] {
	return &throttleStream[T]{up: s, d: d}
}

type throttleStream[T any] struct {
	up    Stream[T]
	d     time.Duration
	next  time.Time // earliest time to pull again; zero before the first value
	timer *time.Timer
}

func (t *throttleStream[T]) Next(ctx context.Context) (T, error) {
	if wait := time.Until(t.next); !t.next.IsZero() && wait > 0 {
		if t.timer == nil {
			t.timer = time.NewTimer(wait)
		} else {
			t.timer.Reset(wait)
		}
		select {
		case <-t.timer.C:
		case <-ctx.Done():
			t.timer.Stop()
			var zero T
			return zero, ctx.Err()
		}
	}
	v, err := t.up.Next(ctx)
	if err == nil {
		t.next = time.Now().Add(t.d)
	}
	return v, err
}

func (t *throttleStream[T]) Close() error {
	if t.timer != nil {
		t.timer.Stop()
	}
	return t.up.Close()
}
