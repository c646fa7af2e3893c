package stream

import (
	"context"
	"io"

	"github.com/shio-rt/shio/task"
)

// item is what a stage goroutine hands to the consumer: a value, or a
// terminal error (io.EOF included), or a panic to re-raise.
type item[T any] struct {
	v     T
	err   error
	panic *task.PanicError
}

// unwrap returns the item's value and error, re-panicking a panic.
func (it item[T]) unwrap() (T, error) {
	if it.panic != nil {
		panic(it.panic)
	}
	return it.v, it.err
}

// safeNext calls s.Next, turning a panic into an item.
func safeNext[T any](ctx context.Context, s Stream[T]) (it item[T]) {
	defer func() {
		if r := recover(); r != nil {
			it = item[T]{panic: newPanicError(r)}
		}
	}()
	it.v, it.err = s.Next(ctx)
	return it
}

// pump moves s's elements into out until s ends or ctx is done; the end
// (io.EOF, an error or a panic) is sent as a last item unless ctx is done.
// After each send it pokes signal, if not nil, without blocking. It closes
// s before returning and reports Close's error through closeErr.
func pump[T any](ctx context.Context, s Stream[T], out chan<- item[T], signal chan<- struct{}, closeErr *error) {
	defer func() { *closeErr = s.Close() }()
	for {
		it := safeNext(ctx, s)
		if it.err != nil && it.panic == nil && ctx.Err() != nil {
			return
		}
		select {
		case out <- it:
		case <-ctx.Done():
			return
		}
		select {
		case signal <- struct{}{}:
		default:
		}
		if it.err != nil || it.panic != nil {
			return
		}
	}
}

// isEOF reports whether err is the end of a stream.
func isEOF(err error) bool { return err == io.EOF }
