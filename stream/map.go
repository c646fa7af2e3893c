package stream

import "context"

// Map returns a stream of f(v) for each value v of s. f runs in the
// consumer's goroutine, inside Next; Map adds one indirect call per value
// and starts no goroutine. Closing the result closes s.
func Map[T, U any](s Stream[T], f func(T) U) Stream[U] { return &mapStream[T, U]{up: s, f: f} }

type mapStream[T, U any] struct {
	up Stream[T]
	f  func(T) U
}

func (m *mapStream[T, U]) Next(ctx context.Context) (U, error) {
	v, err := m.up.Next(ctx)
	if err != nil {
		var zero U
		return zero, err
	}
	return m.f(v), nil
}

func (m *mapStream[T, U]) Close() error { return m.up.Close() }
