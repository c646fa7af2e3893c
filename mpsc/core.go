package mpsc

import (
	"context"
	"math"
	"sync"
	"sync/atomic"

	"github.com/shio-rt/shio/internal/obs"
)

// The channel's state word packs the number of occupied slots with three
// flags, so that admitting a send, parking a sender and closing are decided
// by one atomic compare-and-swap and cannot miss one another.
const (
	countMask   = 1<<60 - 1 // buffered values + held permits + sends in progress
	recvWaitBit = 1 << 60   // a Recv is parked (set and cleared under mu)
	sendWaitBit = 1 << 61   // a Send or Reserve is parked (set and cleared under mu)
	closedBit   = 1 << 62   // the channel is closed (set under mu)
)

// maxRingCap is the largest capacity given a preallocated lock-free ring.
// Larger (and unbounded) channels buffer in a growable ring under mu.
const maxRingCap = 1 << 16

// core is the state one channel's senders and receiver share.
//
// state is read and updated atomically, but its flags change only under mu.
// When q is set (a bounded channel of at most maxRingCap), the buffer is a
// lock-free ring and the fast paths of Send, TrySend, Recv and TryRecv take
// no lock: a send claims a slot in state with one CAS (refused while a
// sender is parked, keeping blocked senders FIFO) and publishes into q; a
// receive pops from q and releases the slot. Otherwise the buffer is buf,
// guarded by mu, and every operation takes the slow path.
//
// Waiters are registered under mu. No wake-up is lost: a receiver about to
// park sets recvWaitBit and then retries q, while a sender publishes into q
// and then checks recvWaitBit; with sequentially consistent atomics one of
// the two sees the other. Senders park by setting sendWaitBit in the same
// CAS that found no room, and a receiver releasing a slot sees the bit in
// the result of its decrement. Critical sections never block: waiters park
// on their own ready channel after unlocking.
type core[T any] struct {
	limit int // capacity; math.MaxInt when unbounded (immutable)
	q     *vring[T]
	state atomic.Uint64
	refs  atomic.Int64 // open Sender handles; the channel closes at zero
	spare atomic.Pointer[waiter[T]]

	mu      sync.Mutex
	buf     ring[T]     // buffered values, oldest first, when q is nil
	senders waitList[T] // blocked Send and Reserve calls, FIFO
	recvers waitList[T] // blocked Recv calls, FIFO
	// wakes lists the waiters served under mu, linked through next, to be
	// signalled by unlock after mu is released.
	wakes *waiter[T]
}

func newCore[T any](limit int) (*Sender[T], *Receiver[T]) {
	c := &core[T]{limit: limit}
	if limit <= maxRingCap {
		c.q = newVring[T](limit)
	}
	c.buf.limit = limit
	c.refs.Store(1)
	obs.RegisterChan(c, (*core[T]).obsStats)
	return newSender(c), &Receiver[T]{c: c}
}

// New returns a bounded channel that buffers up to capacity values: a Send
// to a full channel waits for room. It panics if capacity < 1.
//
// A channel of capacity up to 65536 allocates its buffer up front (rounded
// up to a power of two) and its uncontended Send and Recv are lock-free. A
// larger one grows its buffer on demand up to capacity, so it costs memory
// only when used, and every operation takes a short mutex.
func New[T any](capacity int) (*Sender[T], *Receiver[T]) {
	if capacity < 1 {
		panic("mpsc: New with capacity < 1")
	}
	return newCore[T](capacity)
}

// NewUnbounded returns a channel whose Send never waits: the buffer grows
// without limit. Prefer [New] unless the producer is bounded by other means,
// since an unbounded buffer offers no backpressure. Every operation on an
// unbounded channel takes a short mutex.
func NewUnbounded[T any]() (*Sender[T], *Receiver[T]) {
	return newCore[T](math.MaxInt)
}

func (c *core[T]) count(s uint64) int { return int(s & countMask) }

// drained reports, for state s, whether receives must fail: the channel is
// closed and no buffered value, permit or send in progress is left.
func (c *core[T]) drained(s uint64) bool { return s&closedBit != 0 && s&countMask == 0 }

// tryClaim takes one slot if the channel is open and has room, and, unless
// queued, no sender is parked. It reports whether it took one.
func (c *core[T]) tryClaim(queued bool) bool {
	for {
		s := c.state.Load()
		if s&closedBit != 0 || (!queued && s&sendWaitBit != 0) || c.count(s) >= c.limit {
			return false
		}
		if c.state.CompareAndSwap(s, s+1) {
			return true
		}
	}
}

// releaseSlot gives back one slot and reports whether the lock holder must
// settle the channel: a sender is parked, or the channel is now drained with
// a receiver parked.
func (c *core[T]) releaseSlot() bool {
	s := c.state.Add(^uint64(0))
	return s&sendWaitBit != 0 || (c.drained(s) && s&recvWaitBit != 0)
}

// push buffers v into a slot the caller has claimed. Without q it must be
// called under mu.
func (c *core[T]) push(v T) {
	if c.q != nil {
		c.q.push(v)
		return
	}
	c.buf.push(v)
}

// popLocked takes the oldest buffered value, if any, and releases its slot;
// the caller holds mu and must settle if it returns true.
func (c *core[T]) popLocked() (v T, ok bool) {
	if c.q != nil {
		v, ok = c.q.pop()
	} else if c.buf.len() > 0 {
		v, ok = c.buf.pop(), true
	}
	if ok {
		c.state.Add(^uint64(0))
	}
	return v, ok
}

// notifyRecv settles the channel if a receiver is parked; a lock-free send
// calls it after publishing its value.
func (c *core[T]) notifyRecv() {
	if c.state.Load()&recvWaitBit != 0 {
		c.mu.Lock()
		c.settleLocked()
		c.unlock()
	}
}

// settle takes mu and settles the channel.
func (c *core[T]) settle() {
	c.mu.Lock()
	c.settleLocked()
	c.unlock()
}

// settleLocked serves the parked waiters as far as the state allows: parked
// receivers take the buffered values in order, parked senders take free
// slots in order, and once the channel is drained the parked receivers fail.
// It then clears the flags of empty wait lists.
func (c *core[T]) settleLocked() {
	for progress := true; progress; {
		progress = false
		for !c.recvers.empty() {
			v, ok := c.popLocked()
			if !ok {
				break
			}
			w := c.recvers.popFront()
			w.got = v
			c.signalLocked(w)
		}
		for !c.senders.empty() && c.tryClaim(true) {
			w := c.senders.popFront()
			if !w.reserve {
				c.push(w.val)
				progress = true
			}
			c.signalLocked(w)
		}
	}
	if c.senders.empty() {
		c.state.And(^uint64(sendWaitBit))
	}
	if !c.recvers.empty() && c.drained(c.state.Load()) {
		for !c.recvers.empty() {
			w := c.recvers.popFront()
			w.err = ErrClosed
			c.signalLocked(w)
		}
	}
	if c.recvers.empty() {
		c.state.And(^uint64(recvWaitBit))
	}
}

// closeLocked closes the channel: the blocked senders fail and, once
// nothing is left to receive, the blocked receivers.
func (c *core[T]) closeLocked() {
	c.state.Or(closedBit)
	for !c.senders.empty() {
		w := c.senders.popFront()
		w.err = ErrClosed
		c.signalLocked(w)
	}
	c.settleLocked()
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
		w.woke = obs.Stamp()
		w.ready <- struct{}{}
		w = next
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
	kind := obs.KindRecv
	if list == &c.senders {
		kind = obs.KindSend
	}
	rec := obs.Park(ctx, kind, c)
	done := ctx.Done()
	if done == nil { // never cancelled: a plain receive is cheaper than select
		<-w.ready
		if rec != nil {
			rec.Resume(w.woke)
		}
		return true
	}
	select {
	case <-w.ready:
		if rec != nil {
			rec.Resume(w.woke)
		}
		return true
	case <-done:
	}
	if rec != nil {
		defer rec.Resume(0)
	}
	c.mu.Lock()
	if w.served {
		// Served while we were being cancelled: the result stands.
		c.unlock()
		<-w.ready
		return true
	}
	list.remove(w)
	// Clear the waiting flag of a list w leaves empty.
	c.settleLocked()
	c.unlock()
	return false
}
