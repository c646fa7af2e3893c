package stream

import "context"

// FromFunc returns a stream whose Next calls next. next returns io.EOF to
// end the stream; any error other than a context error ends it too, and
// later calls return that error without calling next again. Close calls
// close, if not nil, once.
//
// FromFunc is the way to adapt any receiver with a Recv(ctx) method:
//
//	s := stream.FromFunc(rx.Recv, nil)
//
// # Cancellation
//
// next must honour ctx and, to keep the stream contract, lose nothing when
// it returns ctx's error.
func FromFunc[T any](next func(context.Context) (T, error), close func() error) Stream[T] {
	return &funcStream[T]{next: next, close: close}
}

type funcStream[T any] struct {
	next  func(context.Context) (T, error)
	close func() error
	err   error // sticky: the error that ended the stream, or ErrClosed
}

func (s *funcStream[T]) Next(ctx context.Context) (T, error) {
	if s.err != nil {
		var zero T
		return zero, s.err
	}
	v, err := s.next(ctx)
	if err != nil && !transient(ctx, err) {
		s.err = err
	}
	return v, err
}

func (s *funcStream[T]) Close() error {
	if s.err == ErrClosed {
		return nil
	}
	s.err = ErrClosed
	if s.close != nil {
		return s.close()
	}
	return nil
}
