package mpsc

import (
	"runtime"
	"sync/atomic"
)

// vring is a fixed-size lock-free FIFO of values for many producers and many
// consumers: a ring of slots, each with a sequence number (Vyukov's bounded
// queue). The zero value is not usable; see newVring.
//
// Callers bound occupancy themselves: the channel admits a push only after
// claiming one of its capacity slots, and capacity never exceeds the ring's
// size, so push never finds the ring full. It may briefly wait for a
// consumer that has claimed the slot but not yet finished reading it.
type vring[T any] struct {
	head  atomic.Uint64 // next position to pop
	_     [56]byte      // keep head and tail on separate cache lines
	tail  atomic.Uint64 // next position to push
	_     [56]byte
	mask  uint64
	slots []vslot[T]
}

// vslot is one cell: seq == pos when it is free for the push at pos, and
// pos+1 once that push has published its value.
type vslot[T any] struct {
	seq atomic.Uint64
	val T
}

// newVring returns a ring of at least n slots (a power of two).
func newVring[T any](n int) *vring[T] {
	size := 1
	for size < n {
		size <<= 1
	}
	q := &vring[T]{mask: uint64(size - 1), slots: make([]vslot[T], size)}
	for i := range q.slots {
		q.slots[i].seq.Store(uint64(i))
	}
	return q
}

// push appends v. The caller must hold one claimed slot of the channel's
// capacity, which guarantees a free cell at most a consumer's read away.
func (q *vring[T]) push(v T) {
	pos := q.tail.Add(1) - 1
	s := &q.slots[pos&q.mask]
	for s.seq.Load() != pos {
		runtime.Gosched() // a consumer is still reading this cell
	}
	s.val = v
	s.seq.Store(pos + 1) // publish
}

// pop removes and returns the oldest published value. It reports false if
// the oldest position holds no published value yet (the ring is empty, or
// the push that owns that position is still in progress).
func (q *vring[T]) pop() (T, bool) {
	var zero T
	for {
		pos := q.head.Load()
		s := &q.slots[pos&q.mask]
		seq := s.seq.Load()
		switch {
		case seq == pos+1:
			if q.head.CompareAndSwap(pos, pos+1) {
				v := s.val
				s.val = zero // do not keep the value alive
				s.seq.Store(pos + q.mask + 1)
				return v, true
			}
		case seq <= pos:
			return zero, false
		}
		// Another consumer took pos meanwhile; retry at the new head.
	}
}

// ready reports whether the oldest position holds a published value.
func (q *vring[T]) ready() bool {
	pos := q.head.Load()
	return q.slots[pos&q.mask].seq.Load() == pos+1
}

// len returns the number of positions pushed and not yet popped, including
// pushes still in progress.
func (q *vring[T]) len() int {
	h := q.head.Load()
	t := q.tail.Load()
	if t < h {
		return 0
	}
	return int(t - h)
}
