package stream

import (
	"context"
	"errors"
	"io"

	"github.com/shio-rt/shio/mpsc"
)

// FromMPSC returns a stream of the values received from rx, in order. It
// ends with io.EOF when the channel is closed and drained. The stream owns
// rx: Close closes it, which tells the senders the channel is closed. It
// runs no goroutine; each Next is one [mpsc.Receiver.Recv].
//
// # Cancellation
//
// As for Recv: a cancelled Next takes nothing from the channel.
func FromMPSC[T any](rx *mpsc.Receiver[T]) Stream[T] { return &mpscStream[T]{rx: rx} }

type mpscStream[T any] struct {
	rx     *mpsc.Receiver[T]
	closed bool
}

func (s *mpscStream[T]) Next(ctx context.Context) (T, error) {
	if s.closed {
		var zero T
		return zero, ErrClosed
	}
	v, err := s.rx.Recv(ctx)
	if errors.Is(err, mpsc.ErrClosed) {
		err = io.EOF
	}
	return v, err
}

func (s *mpscStream[T]) Close() error {
	if !s.closed {
		s.closed = true
		s.rx.Close()
	}
	return nil
}
