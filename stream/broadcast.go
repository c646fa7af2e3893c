package stream

import (
	"context"
	"errors"
	"io"

	"github.com/shio-rt/shio/broadcast"
)

// FromBroadcast returns a stream of the values received by rx, in order. It
// ends with io.EOF when the sender has closed and rx has seen every value.
// The stream owns rx: Close closes it. It runs no goroutine.
//
// A receiver that falls behind by more than the channel's capacity misses
// values. If onLag is nil, Next then returns the [*broadcast.LagError]
// (errors.As finds it) and the stream goes on, as Tokio's BroadcastStream
// does: the next call returns the oldest value still kept, and [All]
// yields the lag and goes on. Note that other stages and sinks treat errors
// as the end of the stream (a [Merge] of this stream ends at a lag), so pass
// onLag to count or log the missed values instead and keep the error out of
// the stream.
//
// # Cancellation
//
// As for [broadcast.Receiver.Recv]: a cancelled Next leaves the receiver's
// position unchanged.
func FromBroadcast[T any](rx *broadcast.Receiver[T], onLag func(missed uint64)) Stream[T] {
	return &broadcastStream[T]{rx: rx, onLag: onLag}
}

type broadcastStream[T any] struct {
	rx     *broadcast.Receiver[T]
	onLag  func(uint64)
	closed bool
}

func (s *broadcastStream[T]) Next(ctx context.Context) (T, error) {
	var zero T
	for {
		if s.closed {
			return zero, ErrClosed
		}
		v, err := s.rx.Recv(ctx)
		var lag *broadcast.LagError
		switch {
		case err == nil:
			return v, nil
		case errors.Is(err, broadcast.ErrClosed):
			return zero, io.EOF
		case s.onLag != nil && errors.As(err, &lag):
			s.onLag(lag.Missed)
		default:
			return zero, err
		}
	}
}

func (s *broadcastStream[T]) Close() error {
	if !s.closed {
		s.closed = true
		s.rx.Close()
	}
	return nil
}
