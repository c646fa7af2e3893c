package stream

import "context"

// Filter returns a stream of the values of s for which keep returns true.
// keep runs in the consumer's goroutine; Filter starts no goroutine.
// Closing the result closes s.
func Filter[T any](s Stream[T], keep func(T) bool) Stream[T] {
	return &filterStream[T]{up: s, keep: keep}
}

type filterStream[T any] struct {
	up   Stream[T]
	keep func(T) bool
}

func (f *filterStream[T]) Next(ctx context.Context) (T, error) {
	for {
		v, err := f.up.Next(ctx)
		if err != nil || f.keep(v) {
			return v, err
		}
	}
}

func (f *filterStream[T]) Close() error { return f.up.Close() }
