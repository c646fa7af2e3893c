package mpsc

import (
	"context"
	"math"
	"sync"
	"sync/atomic"
)

// core is the state one channel's senders and receiver share.
//
// Every field below mu is guarded by mu. Critical sections are short and
// never block: waiters park on their own ready channel after unlocking.
type core[T any] struct {
	limit int          // capacity; math.MaxInt when unbounded (immutable)
	refs  atomic.Int64 // open Sender handles; the channel closes at zero
	spare atomic.Pointer[waiter[T]]

	mu       sync.Mutex
	buf      ring[T]     // buffered values, oldest first
	reserved int         // slots held by outstanding permits
	senders  waitList[T] // blocked Send and Reserve calls, FIFO
	recvers  waitList[T] // blocked Recv calls, FIFO
	txClosed bool        // the last Sender handle was closed
	rxClosed bool        // the Receiver was closed
	// wakes lists the waiters served under mu, linked through next, to be
	// signalled by unlock after mu is released.
	wakes *waiter[T]
}

func newCore[T any](limit int) (*Sender[T], *Receiver[T]) {
	c := &core[T]{limit: limit}
	c.buf.limit = limit
	c.refs.Store(1)
	return newSender(c), &Receiver[T]{c: c}
}

// New returns a bounded channel that buffers up to capacity values: a Send
// to a full channel waits for room. It panics if capacity < 1.
//
// The buffer grows on demand up to capacity, so a large capacity costs
// memory only when it is used.
func New[T any](capacity int) (*Sender[T], *Receiver[T]) {
	if capacity < 1 {
		panic("mpsc: New with capacity < 1")
	}
	return newCore[T](capacity)
}

// NewUnbounded returns a channel whose Send never waits: the buffer grows
// without limit. Prefer [New] unless the producer is bounded by other means,
// since an unbounded buffer offers no backpressure.
func NewUnbounded[T any]() (*Sender[T], *Receiver[T]) {
	return newCore[T](math.MaxInt)
}

func (c *core[T]) hasRoomLocked() bool { return c.buf.len()+c.reserved < c.limit }

// closedLocked reports whether sends must fail.
func (c *core[T]) closedLocked() bool { return c.txClosed || c.rxClosed }

// drainedLocked reports whether receives must fail: the channel is closed,
// empty, and no permit can still deliver a value.
func (c *core[T]) drainedLocked() bool {
	return (c.txClosed || c.rxClosed) && c.buf.len() == 0 && c.reserved == 0
}

// signalLocked marks w served and queues its wake-up, which unlock sends
// once the lock is released, keeping the critical section short.
func (c *core[T]) signalLocked(w *waiter[T]) {
	w.served = true
	w.next = c.wakes
	c.wakes = w
}

// unlock releases mu, then wakes the waiters served meanwhile. Each
// waiter's ready channel has room: it is signalled once per enqueue. A
// waiter may be reused as soon as it is signalled, so next is read first.
func (c *core[T]) unlock() {
	w := c.wakes
	c.wakes = nil
	c.mu.Unlock()
	for w != nil {
		next := w.next
		w.next = nil
		w.ready <- struct{}{}
		w = next
	}
}

// deliverLocked hands v to the first waiting receiver, or buffers it.
func (c *core[T]) deliverLocked(v T) {
	if !c.recvers.empty() {
		w := c.recvers.popFront()
		w.got = v
		c.signalLocked(w)
		return
	}
	c.buf.push(v)
}

// serveSendersLocked gives free slots to the blocked senders, oldest first.
func (c *core[T]) serveSendersLocked() {
	for !c.senders.empty() && c.hasRoomLocked() {
		w := c.senders.popFront()
		if w.reserve {
			c.reserved++
		} else {
			c.deliverLocked(w.val)
		}
		c.signalLocked(w)
	}
}

// closeLocked fails the blocked senders and, once nothing is left to
// receive, the blocked receivers.
func (c *core[T]) closeLocked() {
	for !c.senders.empty() {
		w := c.senders.popFront()
		w.err = ErrClosed
		c.signalLocked(w)
	}
	c.wakeDrainedLocked()
}

// wakeDrainedLocked fails the blocked receivers if the channel is drained.
func (c *core[T]) wakeDrainedLocked() {
	if !c.drainedLocked() {
		return
	}
	for !c.recvers.empty() {
		w := c.recvers.popFront()
		w.err = ErrClosed
		c.signalLocked(w)
	}
}

// getWaiter returns a clean waiter, reusing the spare one if there is one.
func (c *core[T]) getWaiter() *waiter[T] {
	if w := c.spare.Swap(nil); w != nil {
		return w
	}
	return &waiter[T]{ready: make(chan struct{}, 1)}
}

// putWaiter keeps w as the spare; w's ready channel must be empty.
func (c *core[T]) putWaiter(w *waiter[T]) {
	w.reset()
	c.spare.Store(w)
}

// wait parks until w, queued on list, is served or ctx is done. It reports
// whether w was served; if not, w has been removed from list. Either way the
// caller owns w again and ready is empty.
func (c *core[T]) wait(ctx context.Context, w *waiter[T], list *waitList[T]) bool {
	done := ctx.Done()
	if done == nil { // never cancelled: a plain receive is cheaper than select
		<-w.ready
		return true
	}
	select {
	case <-w.ready:
		return true
	case <-done:
	}
	c.mu.Lock()
	if w.served {
		// Served while we were being cancelled: the result stands.
		c.unlock()
		<-w.ready
		return true
	}
	list.remove(w)
	c.unlock()
	return false
}
