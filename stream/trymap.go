package stream

import "context"

// TryMap returns a stream of f(ctx, v) for each value v of s, where f may
// fail: its first error ends the stream and is returned by Next. f runs in
// the consumer's goroutine with the ctx of the Next that called it.
//
// # Cancellation
//
// If ctx is done while f runs, f's error is returned and the element it
// was working on is lost; the stream stays usable if f returned ctx's
// error. This is the exception to the [Stream] rule that cancellation
// loses nothing.
func TryMap[T, U any](s Stream[T], f func(context.Context, T) (U, error)) Stream[U] {
	return &tryMapStream[T, U]{up: s, f: f}
}

type tryMapStream[T, U any] struct {
	up  Stream[T]
	f   func(context.Context, T) (U, error)
	err error // sticky error from f
}

func (m *tryMapStream[T, U]) Next(ctx context.Context) (U, error) {
	var zero U
	if m.err != nil {
		return zero, m.err
	}
	v, err := m.up.Next(ctx)
	if err != nil {
		return zero, err
	}
	u, err := m.f(ctx, v)
	if err != nil {
		if !transient(ctx, err) {
			m.err = err
		}
		return zero, err
	}
	return u, nil
}

func (m *tryMapStream[T, U]) Close() error {
	if m.err == nil {
		m.err = ErrClosed
	}
	return m.up.Close()
}
