package stream

import "context"

// FilterMap returns a stream of u for each value v of s where
// f(v) returns (u, true); values where it returns false are dropped. It is
// Filter and Map in one pass. f runs in the consumer's goroutine.
func FilterMap[T, U any](s Stream[T], f func(T) (U, bool)) Stream[U] {
	return &filterMapStream[T, U]{up: s, f: f}
}

type filterMapStream[T, U any] struct {
	up Stream[T]
	f  func(T) (U, bool)
}

func (m *filterMapStream[T, U]) Next(ctx context.Context) (U, error) {
	for {
		v, err := m.up.Next(ctx)
		if err != nil {
			var zero U
			return zero, err
		}
		if u, ok := m.f(v); ok {
			return u, nil
		}
	}
}

func (m *filterMapStream[T, U]) Close() error { return m.up.Close() }
