package stream

import (
	"context"
	"io"
)

// TakeWhile returns a stream of the values of s up to, not including, the
// first for which keep returns false; then it closes s and ends with
// io.EOF. keep runs in the consumer's goroutine.
func TakeWhile[T any](s Stream[T], keep func(T) bool) Stream[T] {
	return &takeWhileStream[T]{up: s, keep: keep}
}

type takeWhileStream[T any] struct {
	up   Stream[T]
	keep func(T) bool
	done bool
	err  error // Close's error, if s was closed early
}

func (t *takeWhileStream[T]) Next(ctx context.Context) (T, error) {
	var zero T
	if t.done {
		return zero, io.EOF
	}
	v, err := t.up.Next(ctx)
	if err != nil {
		return zero, err
	}
	if !t.keep(v) {
		t.done = true
		t.err = t.up.Close()
		return zero, io.EOF
	}
	return v, nil
}

func (t *takeWhileStream[T]) Close() error {
	if t.done {
		err := t.err
		t.err = nil
		return err
	}
	t.done = true
	return t.up.Close()
}
