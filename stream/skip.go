package stream

import "context"

// Skip returns a stream of the values of s after the first n, which are
// pulled and dropped by the first Next.
//
// # Cancellation
//
// Values already skipped stay skipped when a Next is cancelled.
func Skip[T any](s Stream[T], n int) Stream[T] { return &skipStream[T]{up: s, left: n} }

type skipStream[T any] struct {
	up   Stream[T]
	left int
}

func (k *skipStream[T]) Next(ctx context.Context) (T, error) {
	for k.left > 0 {
		if _, err := k.up.Next(ctx); err != nil {
			var zero T
			return zero, err
		}
		k.left--
	}
	return k.up.Next(ctx)
}

func (k *skipStream[T]) Close() error { return k.up.Close() }
