package stream

import (
	"context"
	"io"
)

// FromChan returns a stream of the values received from ch; it ends when
// ch is closed. Close does not close ch, which belongs to its sender; it
// only stops the stream from receiving.
//
// # Cancellation
//
// A Next cancelled by ctx receives nothing, so no value is lost.
func FromChan[T any](ch <-chan T) Stream[T] { return &chanStream[T]{ch: ch} }

type chanStream[T any] struct {
	ch     <-chan T
	closed bool
}

func (s *chanStream[T]) Next(ctx context.Context) (T, error) {
	var zero T
	if s.closed {
		return zero, ErrClosed
	}
	select {
	case v, ok := <-s.ch:
		if !ok {
			return zero, io.EOF
		}
		return v, nil
	case <-ctx.Done():
		return zero, ctx.Err()
	}
}

func (s *chanStream[T]) Close() error {
	s.closed = true
	return nil
}
