package stream

import (
	"context"
	"errors"
	"io"
)

// Chain returns a stream of the values of each of ss in turn: all of the
// first, then all of the second, and so on. Each stream is closed as soon
// as it ends; closing the result closes those not yet ended.
func Chain[T any](ss ...Stream[T]) Stream[T] { return &chainStream[T]{ss: ss} }

type chainStream[T any] struct {
	ss  []Stream[T] // those not yet ended
	err error       // errors from closing ended streams
}

func (c *chainStream[T]) Next(ctx context.Context) (T, error) {
	for len(c.ss) > 0 {
		v, err := c.ss[0].Next(ctx)
		if !isEOF(err) {
			return v, err
		}
		c.err = errors.Join(c.err, c.ss[0].Close())
		c.ss = c.ss[1:]
	}
	var zero T
	if c.err != nil {
		err := c.err
		c.err = nil
		return zero, err
	}
	return zero, io.EOF
}

func (c *chainStream[T]) Close() error {
	err := c.err
	for _, s := range c.ss {
		err = errors.Join(err, s.Close())
	}
	c.ss, c.err = nil, nil
	return err
}
