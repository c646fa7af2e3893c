package stream

import (
	"context"
	"io"
	"sync"
)

// Generate returns a stream whose values are produced by gen, a function
// written in push style, in the manner of Rust's async-stream: gen calls
// yield for every value and returns when done (nil ends the stream with
// io.EOF, an error ends it with that error).
//
// gen runs on its own goroutine, started by the first Next, with a context
// that keeps the values of that Next's ctx and is cancelled by Close. yield
// blocks until the consumer takes the value, so at most one value is in
// flight; it returns an error when the stream is closed, and gen should
// then return. Close waits for gen to return. A panic in gen is re-raised
// from Next as a [*task.PanicError].
//
// # Cancellation
//
// A cancelled Next loses nothing: gen stays blocked in yield with its
// value until the next Next.
func Generate[T any](gen func(ctx context.Context, yield func(T) error) error) Stream[T] {
	return &genStream[T]{gen: gen}
}

type genStream[T any] struct {
	gen     func(context.Context, func(T) error) error
	out     chan item[T]
	cancel  context.CancelFunc
	wg      sync.WaitGroup
	err     error // sticky end
	started bool
}

func (s *genStream[T]) start(ctx context.Context) {
	s.started = true
	gctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	s.cancel = cancel
	s.out = make(chan item[T])
	s.wg.Go(func() {
		end := item[T]{err: io.EOF}
		func() {
			defer func() {
				if r := recover(); r != nil {
					end = item[T]{panic: newPanicError(r)}
				}
			}()
			yield := func(v T) error {
				select {
				case s.out <- item[T]{v: v}:
					return nil
				case <-gctx.Done():
					return ErrClosed
				}
			}
			if err := s.gen(gctx, yield); err != nil {
				end.err = err
			}
		}()
		select {
		case s.out <- end:
		case <-gctx.Done():
		}
	})
}

func (s *genStream[T]) Next(ctx context.Context) (T, error) {
	var zero T
	if s.err != nil {
		return zero, s.err
	}
	if !s.started {
		s.start(ctx)
	}
	select {
	case it := <-s.out:
		v, err := it.unwrap()
		if err != nil {
			s.err = err
		}
		return v, err
	case <-ctx.Done():
		return zero, ctx.Err()
	}
}

func (s *genStream[T]) Close() error {
	if s.err == ErrClosed {
		return nil
	}
	s.err = ErrClosed
	if s.started {
		s.cancel()
		s.wg.Wait()
	}
	return nil
}
