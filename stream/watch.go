package stream

import (
	"context"
	"errors"
	"io"

	"github.com/shio-rt/shio/watch"
)

// FromWatch returns a stream of the values of a watch channel, as Tokio's
// WatchStream: the first Next yields the current value at once, and each
// later Next waits for a change and yields the newest value. Changes made
// between two calls are coalesced: a slow consumer sees the latest value,
// never a backlog. It ends with io.EOF when the sender has closed and the
// last change was seen. The stream owns rx: Close closes it. It runs no
// goroutine.
//
// # Cancellation
//
// A cancelled Next leaves the change unseen, so the next call reports it.
func FromWatch[T any](rx *watch.Receiver[T]) Stream[T] { return &watchStream[T]{rx: rx} }

type watchStream[T any] struct {
	rx      *watch.Receiver[T]
	started bool // the current value was yielded
	closed  bool
}

func (s *watchStream[T]) Next(ctx context.Context) (T, error) {
	var zero T
	if s.closed {
		return zero, ErrClosed
	}
	if err := ctx.Err(); err != nil {
		return zero, err
	}
	if !s.started {
		s.started = true
		return s.rx.LoadAndMarkSeen(), nil
	}
	if err := s.rx.Changed(ctx); err != nil {
		if errors.Is(err, watch.ErrClosed) {
			err = io.EOF
		}
		return zero, err
	}
	return s.rx.LoadAndMarkSeen(), nil
}

func (s *watchStream[T]) Close() error {
	if !s.closed {
		s.closed = true
		s.rx.Close()
	}
	return nil
}
