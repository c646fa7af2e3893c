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
	countMask = 1<<56 - 1 // buffered values + held permits + sends in progress
	// The slots of a lock-free channel (see recvSlot and sendSlot): a lone
	// receiver, and a lone sender, park there without the mutex.
	recvSlotBit  = 1 << 56 // a Recv is parked in the receive slot
	recvTokenBit = 1 << 57 // the receive slot is busy: its Recv was woken and has not yet taken its wake-up
	sendSlotBit  = 1 << 58 // a Send is parked in the send slot, its value in sslotVal
	sendTokenBit = 1 << 59 // the send slot is busy: a Send is entering it, leaving it, or was woken
	recvWaitBit  = 1 << 60 // a Recv is parked (set and cleared under mu)
	sendWaitBit  = 1 << 61 // a Send or Reserve is parked (set and cleared under mu)
	closedBit    = 1 << 62 // the channel is closed (set under mu)
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
//
// On a lock-free channel the first receiver and the first sender to wait
// do not take mu at all: each parks in its slot (recvSlot, sendSlot),
// announced by a bit of state set with one CAS, and is woken by whoever
// clears the bit with another: a send hands the parked receiver the oldest
// value, a receive that frees a slot passes it to the parked sender and
// pushes its value. The slot bits, unlike the wait bits, change without
// mu; a call parks in its slot only while nobody waits in the lists, and a
// parked slot counts as a waiter for everyone else (sends do not overtake
// it, settleLocked serves it before the lists), so the order of waiters is
// kept.
type core[T any] struct {
	limit int // capacity; math.MaxInt when unbounded (immutable)
	q     *vring[T]
	state atomic.Uint64
	refs  atomic.Int64 // open Sender handles; the channel closes at zero
	spare atomic.Pointer[waiter[T]]

	// The slots (lock-free channels only). Whoever clears a slot bit owes
	// the parked call exactly one token on its channel, whose buffer of one
	// always has room: the token bit keeps the slot busy until the call has
	// taken it. The fields are written by the waker before the token is
	// sent (sslotVal by the sender before it parks) and read after it.
	rslot     chan struct{}
	rslotVal  T     // the value the waker took for the receiver
	rslotOK   bool  // rslotVal is set; otherwise the receiver looks again
	rslotWoke int64 // obs.Stamp() of the wake-up
	sslot     chan struct{}
	sslotVal  T     // the parked sender's value, pushed by the waker
	sslotErr  error // ErrClosed if the channel closed instead
	sslotWoke int64

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
		c.rslot = make(chan struct{}, 1)
		c.sslot = make(chan struct{}, 1)
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
		if s&closedBit != 0 || (!queued && s&(sendWaitBit|sendSlotBit) != 0) || c.count(s) >= c.limit {
			return false
		}
		if c.state.CompareAndSwap(s, s+1) {
			return true
		}
	}
}

// releaseSlot gives back one slot and reports whether the lock holder must
// settle the channel: a sender is parked, the channel is now drained with a
// receiver parked, or a value went in with a receiver parked. A sender
// parked in the send slot takes the slot at once (see passSlot): it parks
// with one CAS that found the channel full, so the decrement's result shows
// it unless it parked after, and then its CAS failed and it saw the room.
func (c *core[T]) releaseSlot() bool {
	s := c.state.Add(^uint64(0))
	if s&sendSlotBit != 0 && s&closedBit == 0 {
		if c.passSlot() {
			// Published: now look for a parked receiver (see notifyRecv).
			return c.state.Load()&(recvWaitBit|recvSlotBit) != 0
		}
		s = c.state.Load()
	}
	return s&sendWaitBit != 0 || (c.drained(s) && s&(recvWaitBit|recvSlotBit) != 0)
}

// passSlot claims the slot just released for the sender parked in the send
// slot, pushes its value and wakes it. It reports false if there is no such
// sender any more (another release served it, or the channel closed) or the
// slot was taken meanwhile (whoever holds it passes it on release).
func (c *core[T]) passSlot() bool {
	for {
		s := c.state.Load()
		if s&sendSlotBit == 0 || s&closedBit != 0 || c.count(s) >= c.limit {
			return false
		}
		if c.state.CompareAndSwap(s, (s+1)&^sendSlotBit|sendTokenBit) {
			var zero T
			c.q.push(c.sslotVal)
			c.sslotVal, c.sslotErr = zero, nil
			c.sslotWoke = obs.Stamp()
			c.sslot <- struct{}{}
			return true
		}
	}
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
		c.releaseSlot() // the caller settles
	}
	return v, ok
}

// notifyRecv wakes a receiver parked in the receive slot, without the lock,
// and settles the channel if receivers are queued; a lock-free send calls it
// after publishing its value.
func (c *core[T]) notifyRecv() {
	s := c.state.Load()
	if s&recvSlotBit != 0 && c.wakeSlot() {
		c.settle()
		return
	}
	if s&recvWaitBit != 0 {
		c.mu.Lock()
		c.settleLocked()
		c.unlock()
	}
}

// wakeSlot wakes the receiver parked in the receive slot, if any, handing
// it the oldest buffered value if one is published (otherwise it looks
// again). It reports whether the caller must settle, as releaseSlot does.
func (c *core[T]) wakeSlot() bool {
	for {
		s := c.state.Load()
		if s&recvSlotBit == 0 {
			return false
		}
		if c.state.CompareAndSwap(s, s&^recvSlotBit|recvTokenBit) {
			break
		}
	}
	v, ok := c.q.pop()
	c.rslotVal, c.rslotOK = v, ok
	c.rslotWoke = obs.Stamp()
	c.rslot <- struct{}{}
	return ok && c.releaseSlot()
}

// wakeSlotLocked wakes the receiver parked in the receive slot if a value
// is published for it or the channel is drained; the caller holds mu and
// settles.
func (c *core[T]) wakeSlotLocked() {
	if c.q == nil {
		return
	}
	if s := c.state.Load(); s&recvSlotBit != 0 && (c.q.ready() || c.drained(s)) {
		c.wakeSlot()
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
		c.wakeSlotLocked() // the slot's receiver waited before the queued ones
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
	c.wakeSlotLocked() // drained: the slot's receiver fails too
}

// closeLocked closes the channel: the blocked senders fail and, once
// nothing is left to receive, the blocked receivers.
func (c *core[T]) closeLocked() {
	c.state.Or(closedBit)
	for {
		s := c.state.Load()
		if s&sendSlotBit == 0 {
			break
		}
		if c.state.CompareAndSwap(s, s&^sendSlotBit|sendTokenBit) {
			var zero T
			c.sslotVal, c.sslotErr = zero, ErrClosed
			c.sslotWoke = obs.Stamp()
			c.sslot <- struct{}{}
			break
		}
	}
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
