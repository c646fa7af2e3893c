package stream

import (
	"context"
	"iter"
)

// Collect drains s into a slice and closes s. It returns the values
// collected, and the error that ended s (nil for io.EOF) or else Close's.
//
// # Cancellation
//
// If ctx is done, Collect returns the values so far with ctx.Err(); s is
// closed either way.
func Collect[T any](ctx context.Context, s Stream[T]) ([]T, error) {
	var out []T
	err := ForEach(ctx, s, func(v T) error {
		out = append(out, v)
		return nil
	})
	return out, err
}

// Fold combines s's values into one, starting from init, and closes s. It
// returns the accumulated value and the error that ended s (nil for
// io.EOF) or else Close's.
//
// # Cancellation
//
// As for [Collect]: the value accumulated so far is returned with ctx.Err().
func Fold[T, A any](ctx context.Context, s Stream[T], init A, f func(A, T) A) (A, error) {
	acc := init
	err := ForEach(ctx, s, func(v T) error {
		acc = f(acc, v)
		return nil
	})
	return acc, err
}

// ForEach calls f with each value of s, in order, then closes s. It stops
// at the first error from s (io.EOF is the normal end and yields nil) or
// from f, returning it; with no such error it returns Close's.
//
// # Cancellation
//
// If ctx is done, ForEach returns ctx.Err(); s is closed either way, so
// everything upstream has stopped when ForEach returns.
func ForEach[T any](ctx context.Context, s Stream[T], f func(T) error) (err error) {
	defer func() {
		if cerr := s.Close(); err == nil {
			err = cerr
		}
	}()
	for {
		v, err := s.Next(ctx)
		if err != nil {
			if isEOF(err) {
				return nil
			}
			return err
		}
		if err := f(v); err != nil {
			return err
		}
	}
}

// All returns s as an iterator for range-over-func, in the shape of every
// receiver's All in the library (mpsc, broadcast, watch):
//
//	for v, err := range stream.All(ctx, s) {
//		if err != nil { ... } // the stream's error, reported once, last
//	}
//
// The iterator yields (v, nil) for every value and ends quietly at io.EOF.
// An error that leaves the stream usable, a timeout ([Timeout]) or a lag
// ([FromBroadcast] without onLag), is yielded as (zero, err) and the loop
// goes on; break to stop there. Any other error, or a failing Close, is
// yielded once as (zero, err) and ends the loop. s is closed when the loop
// ends, including by break, so everything upstream stops. All is
// single-use, like s itself.
//
// # Cancellation
//
// If ctx is done, the loop receives (zero, ctx.Err()) once and ends.
func All[T any](ctx context.Context, s Stream[T]) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zero T
		for {
			v, err := s.Next(ctx)
			if err != nil && resumable(ctx, err) {
				if !yield(zero, err) {
					s.Close()
					return
				}
				continue
			}
			if err != nil {
				if cerr := s.Close(); isEOF(err) {
					err = cerr
				}
				if err != nil {
					yield(zero, err)
				}
				return
			}
			if !yield(v, nil) {
				s.Close()
				return
			}
		}
	}
}
