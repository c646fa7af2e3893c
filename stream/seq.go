package stream

import (
	"context"
	"io"
	"iter"
)

// FromSeq returns a stream of the values of seq. It pulls seq with
// iter.Pull, so seq runs as a coroutine that advances only when Next asks
// for a value, and Close stops it (its deferred calls run).
//
// A panic in seq propagates from Next. seq itself cannot observe ctx: a
// Next blocked inside seq is not interrupted by ctx.
func FromSeq[T any](seq iter.Seq[T]) Stream[T] { return &seqStream[T]{seq: seq} }

type seqStream[T any] struct {
	seq    iter.Seq[T]
	next   func() (T, bool) // nil until the first Next
	stop   func()
	closed bool
}

func (s *seqStream[T]) Next(ctx context.Context) (T, error) {
	var zero T
	if s.closed {
		return zero, ErrClosed
	}
	if err := ctx.Err(); err != nil {
		return zero, err
	}
	if s.next == nil {
		s.next, s.stop = iter.Pull(s.seq)
	}
	v, ok := s.next()
	if !ok {
		return zero, io.EOF
	}
	return v, nil
}

func (s *seqStream[T]) Close() error {
	if !s.closed {
		s.closed = true
		if s.stop != nil {
			s.stop()
		}
	}
	return nil
}
