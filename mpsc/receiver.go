package mpsc

import (
	"context"
	"iter"

	"github.com/shio-rt/shio/internal/obs"
)

// Receiver is the receiving side of a channel, created with its first
// [Sender] by [New] or [NewUnbounded].
//
// The zero value is not usable. A Receiver is safe for concurrent use:
// concurrent receives split the values between them, each value to exactly
// one, and receives that wait are served in the order they started
// waiting — except that a receive starting while the first waiter (parked
// without the lock, on a lock-free channel) is being handed its value may
// take the next value before that waiter returns.
type Receiver[T any] struct {
	c *core[T]
}

// Recv returns the oldest buffered value, waiting for one if the channel is
// empty. It returns [ErrClosed] once the channel is closed (by the last
// [Sender.Close] or by [Receiver.Close]), every buffered value was received
// and every outstanding [Permit] was used or released.
//
// # Cancellation
//
// If ctx is done before a value arrives, Recv returns ctx.Err() and takes
// nothing: the channel is unchanged. If a value was handed over at the
// moment ctx was done, Recv returns it with a nil error; a value is never
// dropped by a cancelled Recv.
func (r *Receiver[T]) Recv(ctx context.Context) (T, error) {
	c := r.c
	if v, ok := c.tryPopFast(); ok {
		return v, nil
	}
	if c.q != nil {
		if v, err, done := c.recvSlot(ctx); done {
			return v, err
		}
	}
	var zero T
	c.mu.Lock()
	if c.recvers.empty() {
		// Announce the wait before the last look at the buffer, so that a
		// send publishing meanwhile either is seen here or sees the flag.
		c.state.Or(recvWaitBit)
		if v, ok := c.popLocked(); ok {
			c.settleLocked() // clears the flag, serves a parked sender
			c.unlock()
			return v, nil
		}
	}
	if c.drained(c.state.Load()) {
		c.settleLocked()
		c.unlock()
		return zero, ErrClosed
	}
	if err := ctx.Err(); err != nil {
		c.settleLocked()
		c.unlock()
		return zero, err
	}
	w := c.getWaiter()
	c.recvers.pushBack(w)
	c.unlock()
	if !c.wait(ctx, w, &c.recvers) {
		c.putWaiter(w)
		return zero, ctx.Err()
	}
	v, err := w.got, w.err
	c.putWaiter(w)
	return v, err
}

// recvSlot is Recv's parking path on a lock-free channel when no other
// receiver waits: it parks in the receive slot, announced by recvSlotBit in
// the state word, without the mutex. A send wakes it by clearing the bit
// and handing it the oldest value (see wakeSlot), without the lock. No
// wake-up is lost, by the argument given for recvWaitBit: the receiver sets
// the bit and then looks at the ring, a sender publishes and then looks at
// the bit.
//
// It reports done=false, owning nothing, when Recv must take the locked
// path instead: receivers are queued, the slot is taken, or the channel is
// drained (the locked path reports ErrClosed).
func (c *core[T]) recvSlot(ctx context.Context) (v T, err error, done bool) {
	for {
		s := c.state.Load()
		if s&(recvWaitBit|recvSlotBit|recvTokenBit) != 0 || c.drained(s) {
			return v, nil, false
		}
		if !c.state.CompareAndSwap(s, s|recvSlotBit) {
			continue
		}
		// Announced: look again before parking.
		if c.q.ready() || c.drained(c.state.Load()) || ctx.Err() != nil {
			if c.leaveSlot() {
				if v, ok := c.takeSlot(); ok {
					return v, nil, true
				}
			} else if v, ok := c.tryPopFast(); ok {
				return v, nil, true
			}
			if err := ctx.Err(); err != nil {
				return v, err, true
			}
			continue
		}
		rec := obs.Park(ctx, obs.KindRecv, c)
		if done := ctx.Done(); done == nil { // never cancelled: no select
			<-c.rslot
		} else {
			select {
			case <-c.rslot:
			case <-done:
				served := c.leaveSlot()
				if rec != nil {
					rec.Resume(0)
				}
				if served {
					// Woken meanwhile: a value handed over stands.
					if v, ok := c.takeSlot(); ok {
						return v, nil, true
					}
				}
				return v, ctx.Err(), true
			}
		}
		if rec != nil {
			rec.Resume(c.rslotWoke)
		}
		if v, ok := c.takeSlot(); ok {
			return v, nil, true
		}
		// Woken without a value: decide again.
	}
}

// leaveSlot takes the receiver out of the receive slot. It reports true if
// a waker cleared the bit first; it has then taken the token, and the
// caller must call takeSlot.
func (c *core[T]) leaveSlot() bool {
	for {
		s := c.state.Load()
		if s&recvSlotBit == 0 {
			<-c.rslot
			return true
		}
		if c.state.CompareAndSwap(s, s&^recvSlotBit) {
			return false
		}
	}
}

// takeSlot returns what the receive slot's waker handed over, if anything,
// and frees the slot.
func (c *core[T]) takeSlot() (T, bool) {
	var zero T
	v, ok := c.rslotVal, c.rslotOK
	c.rslotVal, c.rslotOK = zero, false
	c.state.And(^uint64(recvTokenBit))
	return v, ok
}

// tryPopFast takes the oldest buffered value without the lock, if the
// buffer is lock-free, no receiver is parked (parked receivers are served
// first) and a value is published.
func (c *core[T]) tryPopFast() (T, bool) {
	if c.q == nil || c.state.Load()&recvWaitBit != 0 {
		var zero T
		return zero, false
	}
	v, ok := c.q.pop()
	if ok && c.releaseSlot() {
		c.settle()
	}
	return v, ok
}

// TryRecv returns the oldest buffered value without waiting. It returns
// [ErrEmpty] if no value is buffered and the channel is open, and
// [ErrClosed] if the channel is closed and drained. On a bounded channel of
// capacity up to 65536 it takes no lock when a value is buffered.
//
// A value counts as buffered once its Send has published it: while an
// earlier Send from another goroutine is still in progress, values sent
// after it may not be visible yet.
func (r *Receiver[T]) TryRecv() (T, error) {
	c := r.c
	if v, ok := c.tryPopFast(); ok {
		return v, nil
	}
	var zero T
	c.mu.Lock()
	defer c.unlock()
	if c.recvers.empty() {
		if v, ok := c.popLocked(); ok {
			c.settleLocked()
			return v, nil
		}
	}
	if c.drained(c.state.Load()) {
		return zero, ErrClosed
	}
	return zero, ErrEmpty
}

// RecvMany appends up to max values to buf and returns the extended slice.
// It waits until at least one value is available, then takes what is
// buffered without waiting further. It returns buf unchanged and a nil error
// if max < 1, and [ErrClosed] as [Receiver.Recv] does.
//
// # Cancellation
//
// If ctx is done before a value arrives, RecvMany returns buf unchanged and
// ctx.Err(), and takes nothing. As with Recv, a value handed over at the
// moment ctx was done is returned with a nil error.
func (r *Receiver[T]) RecvMany(ctx context.Context, buf []T, max int) ([]T, error) {
	if max < 1 {
		return buf, nil
	}
	c := r.c
	v, err := r.Recv(ctx)
	if err != nil {
		return buf, err
	}
	buf = append(buf, v)
	max--
	c.mu.Lock()
	for ; max > 0 && c.recvers.empty(); max-- {
		v, ok := c.popLocked()
		if !ok {
			break
		}
		buf = append(buf, v)
	}
	c.settleLocked()
	c.unlock()
	return buf, nil
}

// All returns an iterator over the received values, for use with range:
//
//	for v, err := range rx.All(ctx) {
//		if err != nil {
//			return err // ctx's error, yielded once, last
//		}
//		...
//	}
//
// It yields (v, nil) for each value and ends quietly once the channel is
// closed and drained. Breaking out of the loop leaves the remaining values
// in the channel. This is the shape of every receiver's All in the library
// (see also broadcast, watch and stream).
//
// # Cancellation
//
// Once ctx is done, All yields (zero, ctx.Err()) and ends without taking
// another value: every value not yet yielded stays in the channel, as with
// [Receiver.Recv].
func (r *Receiver[T]) All(ctx context.Context) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zero T
		for {
			if err := ctx.Err(); err != nil {
				yield(zero, err)
				return
			}
			v, err := r.Recv(ctx)
			if err == ErrClosed {
				return
			}
			if !yield(v, err) || err != nil {
				return
			}
		}
	}
}

// Close closes the channel from the receiving side: blocked and later sends
// fail with [ErrClosed], while the values already buffered (and those of
// outstanding permits) can still be received. Close is idempotent.
func (r *Receiver[T]) Close() {
	c := r.c
	c.mu.Lock()
	c.closeLocked()
	c.unlock()
}

// Len returns the number of buffered values.
func (r *Receiver[T]) Len() int {
	c := r.c
	if c.q != nil {
		// Positions pushed and not popped: buffered values and sends in
		// progress (permits push nothing until they send).
		return min(c.q.len(), c.limit)
	}
	c.mu.Lock()
	defer c.unlock()
	return c.buf.len()
}

// Cap returns the channel's capacity: the most values it buffers, counting
// slots held by permits. It is math.MaxInt for an unbounded channel.
func (r *Receiver[T]) Cap() int { return r.c.limit }
