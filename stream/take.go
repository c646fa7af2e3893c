package stream

import (
	"context"
	"io"
)

// Take returns a stream of the first n values of s. Once it has yielded n
// values it closes s at once, so that everything upstream stops without
// waiting for the consumer's Close, and then returns io.EOF.
func Take[T any](s Stream[T], n int) Stream[T] { return &takeStream[T]{up: s, left: n} }

type takeStream[T any] struct {
	up   Stream[T]
	left int
	done bool // s was closed after the n-th value
	err  error
}

func (t *takeStream[T]) Next(ctx context.Context) (T, error) {
	var zero T
	if t.left <= 0 {
		if !t.done {
			t.done = true
			t.err = t.up.Close()
		}
		return zero, io.EOF
	}
	v, err := t.up.Next(ctx)
	if err != nil {
		return zero, err
	}
	t.left--
	if t.left == 0 {
		t.done = true
		t.err = t.up.Close()
	}
	return v, nil
}

func (t *takeStream[T]) Close() error {
	if t.done {
		err := t.err
		t.err = nil
		return err
	}
	t.done, t.left = true, 0
	return t.up.Close()
}
