package wheel

import (
	"math/bits"
	"time"
)

const none = -1

// node is the intrusive list entry of one id.
// unarmed is a node's prev while it is not armed (an armed node's is an
// id or none), so that a node is 16 bytes: the wheel has one for every
// connection slot a loop ever had.
const unarmed = -2

type node struct {
	next, prev int32
	tick       int64 // tick at which the node fires; meaningful when armed
}

func (nd *node) armed() bool { return nd.prev != unarmed }

// Wheel is a hashed timing wheel of deadlines keyed by non-negative int ids.
//
// The zero value is not usable; call [New]. A Wheel is not safe for
// concurrent use.
type Wheel struct {
	tick  int64   // nanoseconds per tick
	mask  int64   // len(slots)-1
	slots []int32 // head id of each slot's list, or none
	// busy has one bit per slot, set while the slot's list is non-empty, so
	// that Next finds the first occupied slot in a few word operations.
	busy  []uint64
	nodes []node
	cur   int64 // last tick processed by Advance
	n     int   // armed ids
	due   []int // scratch for Advance, reused
}

// New returns a wheel with the given tick and at least slots slots (rounded
// up to a power of two, minimum 64), whose clock starts at now. Deadlines
// further away than tick*slots stay in their slot for extra turns, costing
// one comparison per turn.
func New(tick time.Duration, slots int, now int64) *Wheel {
	if tick <= 0 {
		panic("wheel: tick must be positive")
	}
	size := 64
	for size < slots {
		size <<= 1
	}
	w := &Wheel{
		tick:  int64(tick),
		mask:  int64(size - 1),
		slots: make([]int32, size),
		busy:  make([]uint64, size/64),
		cur:   now / int64(tick),
	}
	for i := range w.slots {
		w.slots[i] = none
	}
	return w
}

// Len returns the number of armed deadlines.
func (w *Wheel) Len() int { return w.n }

// When returns the deadline tick boundary of id (the earliest time it can
// fire) and whether id is armed.
func (w *Wheel) When(id int) (int64, bool) {
	if id >= len(w.nodes) || !w.nodes[id].armed() {
		return 0, false
	}
	return w.nodes[id].tick * w.tick, true
}

// Set arms id to fire at or after at, replacing any earlier setting.
func (w *Wheel) Set(id int, at int64) {
	if id < 0 {
		panic("wheel: negative id")
	}
	for id >= len(w.nodes) {
		w.nodes = append(w.nodes, node{next: none, prev: unarmed})
	}
	t := (at + w.tick - 1) / w.tick // round up: never fire early
	if t <= w.cur {
		t = w.cur + 1
	}
	nd := &w.nodes[id]
	if nd.armed() {
		if nd.tick == t {
			return
		}
		w.unlink(id)
	}
	nd.tick = t
	w.link(id)
}

// Stop disarms id. Stopping an id that is not armed does nothing.
func (w *Wheel) Stop(id int) {
	if id < len(w.nodes) && w.nodes[id].armed() {
		w.unlink(id)
	}
}

func (w *Wheel) link(id int) {
	nd := &w.nodes[id]
	s := nd.tick & w.mask
	nd.prev = none
	nd.next = w.slots[s]
	if nd.next != none {
		w.nodes[nd.next].prev = int32(id)
	}
	w.slots[s] = int32(id)
	w.busy[s>>6] |= 1 << (s & 63)
	w.n++
}

func (w *Wheel) unlink(id int) {
	nd := &w.nodes[id]
	s := nd.tick & w.mask
	if nd.prev != none {
		w.nodes[nd.prev].next = nd.next
	} else {
		w.slots[s] = nd.next
		if nd.next == none {
			w.busy[s>>6] &^= 1 << (s & 63)
		}
	}
	if nd.next != none {
		w.nodes[nd.next].prev = nd.prev
	}
	nd.next, nd.prev = none, unarmed
	w.n--
}

// Next returns a time at or before the earliest armed deadline, suitable
// as the owner's next wake-up, and false when nothing is armed. It is exact
// to the tick for deadlines within one turn of the wheel.
func (w *Wheel) Next() (int64, bool) {
	if w.n == 0 {
		return 0, false
	}
	size := w.mask + 1
	start := (w.cur + 1) & w.mask
	for k := int64(0); k < size; {
		s := (start + k) & w.mask
		word := w.busy[s>>6] >> (s & 63)
		if word == 0 {
			k += 64 - (s & 63)
			continue
		}
		k += int64(bits.TrailingZeros64(word))
		if k >= size {
			break
		}
		return (w.cur + 1 + k) * w.tick, true
	}
	return (w.cur + 1) * w.tick, true
}

// Advance moves the clock to now and calls fire, in no particular order,
// for every id whose deadline is at or before now, disarming each first.
// fire may Set or Stop any id, including the one it was called for.
func (w *Wheel) Advance(now int64, fire func(id int)) {
	to := now / w.tick
	if to <= w.cur {
		return
	}
	steps := to - w.cur
	if steps > w.mask+1 {
		steps = w.mask + 1
	}
	due := w.due[:0]
	for i := int64(1); i <= steps; i++ {
		s := (w.cur + i) & w.mask
		if w.busy[s>>6]&(1<<(s&63)) == 0 {
			continue
		}
		for id := w.slots[s]; id != none; {
			nd := &w.nodes[id]
			next := nd.next
			if nd.tick <= to {
				w.unlink(int(id))
				due = append(due, int(id))
			}
			id = next
		}
	}
	w.cur = to
	w.due = due
	for _, id := range due {
		if w.nodes[id].armed() {
			continue // re-armed by an earlier fire in this batch
		}
		fire(id)
	}
}
