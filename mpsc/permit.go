package mpsc

import (
	"runtime"
	"sync/atomic"
)

// Permit holds one reserved slot of a channel, obtained from
// [Sender.Reserve]. Use it exactly once: [Permit.Send] delivers a value into
// the slot, [Permit.Release] gives the slot back. A permit that becomes
// unreachable without either gives its slot back when the garbage collector
// finds it, but code should not rely on that timing.
//
// An outstanding permit keeps the channel open for the receiver: after the
// channel closes, the receiver waits for outstanding permits before it
// reports [ErrClosed], so a value sent through a permit is never lost.
//
// A Permit is safe for concurrent use; only the first Send or Release takes
// effect (a second Send panics).
type Permit[T any] struct {
	used    *atomic.Bool
	c       *core[T]
	cleanup runtime.Cleanup
}

// permitSlot is what a permit's cleanup needs; it must not point to the
// Permit itself.
type permitSlot[T any] struct {
	used *atomic.Bool
	c    *core[T]
}

func newPermit[T any](c *core[T]) *Permit[T] {
	p := &Permit[T]{used: new(atomic.Bool), c: c}
	p.cleanup = runtime.AddCleanup(p, func(s permitSlot[T]) {
		if !s.used.Swap(true) {
			s.c.release()
		}
	}, permitSlot[T]{used: p.used, c: c})
	return p
}

// Send delivers v into the reserved slot. It never blocks and never fails:
// a value sent through a permit is received even if the channel closed after
// the permit was granted. Send panics if the permit was already used or
// released.
func (p *Permit[T]) Send(v T) {
	if p.used.Swap(true) {
		panic("mpsc: Permit used twice")
	}
	p.cleanup.Stop()
	c := p.c
	// The slot is already counted in the channel's state: the value only
	// needs publishing, lock-free when the buffer is.
	if c.q != nil {
		c.q.push(v)
		c.notifyRecv()
		return
	}
	c.mu.Lock()
	c.push(v)
	c.settleLocked()
	c.unlock()
}

// Release gives the reserved slot back to the channel (to the first blocked
// sender, if any) without sending. Release after Send, or a second Release,
// does nothing.
func (p *Permit[T]) Release() {
	if p.used.Swap(true) {
		return
	}
	p.cleanup.Stop()
	p.c.release()
}

// release returns one reserved slot.
func (c *core[T]) release() {
	if c.releaseSlot() {
		c.settle()
	}
}
