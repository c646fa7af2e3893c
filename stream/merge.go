package stream

import (
	"context"
	"errors"
	"io"
)

// Merge returns a stream of the values of all of ss, interleaved as they
// become ready. It is fair: each input runs on its own goroutine and parks
// its next value in a one-value slot, and Next takes from the slots in
// round-robin order, so an input that is always ready gets one value out
// per turn and cannot starve the others. It ends when every input has
// ended; the first error from any input ends it at once and stops the
// others.
//
// The goroutines start with the first Next and hold at most two values
// each (one parked, one in hand); Close stops them, waits for them and
// closes every input. Next scans the inputs, so its cost grows with
// len(ss); for a large, changing set use [StreamMap].
//
// # Cancellation
//
// A cancelled Next loses nothing: values wait in their inputs' slots.
func Merge[T any](ss ...Stream[T]) Stream[T] {
	return &mergeStream[T]{ss: ss, live: len(ss), closeErrs: make([]error, len(ss))}
}

type mergeStream[T any] struct {
	ss        []Stream[T]
	g         stage
	slots     []chan item[T] // one per input, capacity 1; nil once it ended
	signal    chan struct{}  // capacity 1: poked after every send into a slot
	next      int            // the slot to look at first
	live      int            // inputs not yet ended
	closeErrs []error        // one per input, set by its pump
	err       error          // sticky end
}

func (m *mergeStream[T]) start(ctx context.Context) {
	m.g.start(ctx)
	m.signal = make(chan struct{}, 1)
	m.slots = make([]chan item[T], len(m.ss))
	for i, s := range m.ss {
		m.slots[i] = make(chan item[T], 1)
		m.g.wg.Go(func() { pump(m.g.ctx, s, m.slots[i], m.signal, &m.closeErrs[i]) })
	}
}

// poll takes one parked item in round-robin order, if any is parked.
func (m *mergeStream[T]) poll() (item[T], int, bool) {
	n := len(m.slots)
	for k := range n {
		i := (m.next + k) % n
		if m.slots[i] == nil {
			continue
		}
		select {
		case it := <-m.slots[i]:
			m.next = (i + 1) % n
			return it, i, true
		default:
		}
	}
	return item[T]{}, 0, false
}

func (m *mergeStream[T]) Next(ctx context.Context) (T, error) {
	var zero T
	if m.err != nil {
		return zero, m.err
	}
	if m.slots == nil {
		m.start(ctx)
	}
	for m.live > 0 {
		it, i, ok := m.poll()
		if !ok {
			select {
			case <-m.signal:
			case <-ctx.Done():
				return zero, ctx.Err()
			}
			continue
		}
		if it.panic != nil {
			m.g.cancel()
		}
		v, err := it.unwrap()
		if isEOF(err) {
			m.slots[i] = nil
			m.live--
			continue
		}
		if err != nil {
			m.err = err
			m.g.cancel()
		}
		return v, err
	}
	m.err = io.EOF
	return zero, io.EOF
}

func (m *mergeStream[T]) Close() error {
	if m.err == ErrClosed {
		return nil
	}
	m.err = ErrClosed
	if m.g.stop() {
		return errors.Join(m.closeErrs...)
	}
	var errs []error
	for _, s := range m.ss {
		errs = append(errs, s.Close())
	}
	return errors.Join(errs...)
}
