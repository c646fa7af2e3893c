package mpsc

import (
	"context"
	"runtime"
	"sync/atomic"

	"github.com/shio-rt/shio/internal/obs"
)

// Sender is one handle on the sending side of a channel. Handles are
// reference counted: [Sender.Clone] makes another, and the channel closes
// for its receiver when the last open handle is closed.
//
// The zero value is not usable; get a Sender from [New] or [NewUnbounded].
// A Sender is safe for concurrent use; values sent from one goroutine
// arrive in the order it sent them. Close every handle: a handle that
// becomes unreachable without Close is closed when the garbage collector
// finds it, but code should not rely on that timing.
type Sender[T any] struct {
	c       *core[T]
	closed  *atomic.Bool // this handle was closed; shared with cleanup
	cleanup runtime.Cleanup
}

// senderRef is what a handle's cleanup needs; it must not point to the
// Sender itself.
type senderRef[T any] struct {
	c      *core[T]
	closed *atomic.Bool
}

// newSender returns a new open handle; the caller has counted it in refs.
func newSender[T any](c *core[T]) *Sender[T] {
	s := &Sender[T]{c: c, closed: new(atomic.Bool)}
	s.cleanup = runtime.AddCleanup(s, func(r senderRef[T]) { r.c.closeHandle(r.closed) },
		senderRef[T]{c: c, closed: s.closed})
	return s
}

// Send delivers v, waiting for room if the channel is full. It returns
// [ErrClosed] if the receiver closed or this handle was closed. Blocked
// senders are served in the order they started waiting, and a new Send
// never overtakes a blocked one. A successful Send synchronizes before the
// receive that returns v.
//
// # Cancellation
//
// If ctx is done before room is found, Send returns ctx.Err() and the value
// was not sent: the channel is unchanged. If room was found at the moment ctx
// was done, the value was sent and Send returns nil. Send never reports an
// error for a value that was delivered.
func (s *Sender[T]) Send(ctx context.Context, v T) error {
	if s.closed.Load() {
		return ErrClosed
	}
	c := s.c
	if c.q != nil {
		if c.tryClaim(false) { // lock-free fast path
			c.q.push(v)
			c.notifyRecv()
			return nil
		}
		if err, done := c.sendSlot(ctx, v); done {
			runtime.KeepAlive(s) // as below
			return err
		}
	}
	c.mu.Lock()
	claimed, err := c.claimOrParkLocked(ctx)
	if err != nil {
		c.unlock()
		return err
	}
	if claimed {
		c.push(v)
		c.settleLocked()
		c.unlock()
		return nil
	}
	w := c.getWaiter()
	w.val = v
	c.senders.pushBack(w)
	c.unlock()
	served := c.wait(ctx, w, &c.senders)
	// The handle must not be collected (and closed) while its Send waits.
	runtime.KeepAlive(s)
	if !served {
		c.putWaiter(w)
		return ctx.Err()
	}
	err = w.err
	c.putWaiter(w)
	return err
}

// sendSlot is Send's parking path on a lock-free channel when no other
// sender waits: it parks in the send slot, announced by sendSlotBit in the
// state word, without the mutex. The receive that frees a slot passes it
// to the parked sender and pushes its value (see releaseSlot), so a sender
// never overtakes the one parked. A release cannot be missed: the sender
// sets the bit in the CAS that found no room, and a release that finds the
// bit set takes it.
//
// It reports done=false when Send must take the locked path instead:
// senders are queued, the slot is taken, or the channel is closed.
func (c *core[T]) sendSlot(ctx context.Context, v T) (err error, done bool) {
	// Take the slot busy before writing sslotVal, then park or claim.
	for {
		s := c.state.Load()
		if s&(closedBit|sendWaitBit|sendSlotBit|sendTokenBit) != 0 {
			return nil, false
		}
		if c.count(s) < c.limit {
			if c.state.CompareAndSwap(s, s+1) {
				c.q.push(v)
				c.notifyRecv()
				return nil, true
			}
			continue
		}
		if err := ctx.Err(); err != nil {
			return err, true
		}
		if c.state.CompareAndSwap(s, s|sendTokenBit) {
			break
		}
	}
	var zero T
	c.sslotVal = v
	for {
		s := c.state.Load()
		switch {
		case s&closedBit != 0:
			c.sslotVal = zero
			c.state.And(^uint64(sendTokenBit))
			return ErrClosed, true
		case c.count(s) < c.limit: // room appeared meanwhile
			c.sslotVal = zero // the slot is free once the CAS succeeds
			if c.state.CompareAndSwap(s, (s+1)&^sendTokenBit) {
				c.q.push(v)
				c.notifyRecv()
				return nil, true
			}
			c.sslotVal = v
		default:
			if c.state.CompareAndSwap(s, s&^sendTokenBit|sendSlotBit) {
				goto parked
			}
		}
	}
parked:
	rec := obs.Park(ctx, obs.KindSend, c)
	if done := ctx.Done(); done == nil { // never cancelled: no select
		<-c.sslot
	} else {
		select {
		case <-c.sslot:
		case <-done:
			if c.leaveSendSlot() {
				if rec != nil {
					rec.Resume(0)
				}
				return ctx.Err(), true
			}
			// Served meanwhile: the outcome stands.
		}
	}
	if rec != nil {
		rec.Resume(c.sslotWoke)
	}
	err = c.sslotErr
	c.sslotErr = nil
	c.state.And(^uint64(sendTokenBit))
	return err, true
}

// leaveSendSlot takes a cancelled sender out of the send slot and reports
// true, unless a waker cleared the bit first: it then takes the token and
// reports false.
func (c *core[T]) leaveSendSlot() bool {
	for {
		s := c.state.Load()
		if s&sendSlotBit == 0 {
			<-c.sslot
			return false
		}
		if c.state.CompareAndSwap(s, s&^sendSlotBit|sendTokenBit) {
			var zero T
			c.sslotVal = zero
			c.state.And(^uint64(sendTokenBit))
			return true
		}
	}
}

// claimOrParkLocked, called under mu, claims a slot if the channel has room
// and no sender is parked. Otherwise it sets sendWaitBit, in the same CAS
// that found no room, and returns false: the caller must then queue a
// waiter before unlocking. It returns ErrClosed if the channel is closed,
// and ctx.Err() (setting nothing) if ctx is done and no slot was free.
func (c *core[T]) claimOrParkLocked(ctx context.Context) (bool, error) {
	for {
		st := c.state.Load()
		if st&closedBit != 0 {
			return false, ErrClosed
		}
		if c.senders.empty() && st&sendSlotBit == 0 && c.count(st) < c.limit {
			if c.state.CompareAndSwap(st, st+1) {
				return true, nil
			}
			continue
		}
		if err := ctx.Err(); err != nil {
			return false, err
		}
		if c.state.CompareAndSwap(st, st|sendWaitBit) {
			return false, nil
		}
	}
}

// TrySend delivers v if there is room right now. It returns [ErrFull] if the
// channel is full or other senders are waiting, and [ErrClosed] if the
// receiver closed or this handle was closed. It never blocks, and on a
// bounded channel of capacity up to 65536 it takes no lock.
func (s *Sender[T]) TrySend(v T) error {
	if s.closed.Load() {
		return ErrClosed
	}
	c := s.c
	if c.q != nil {
		if c.tryClaim(false) {
			c.q.push(v)
			c.notifyRecv()
			return nil
		}
		if c.state.Load()&closedBit != 0 {
			return ErrClosed
		}
		return ErrFull
	}
	c.mu.Lock()
	defer c.unlock()
	if c.state.Load()&closedBit != 0 {
		return ErrClosed
	}
	if !c.tryClaim(false) {
		return ErrFull
	}
	c.push(v)
	c.settleLocked()
	return nil
}

// Reserve waits for a free slot and holds it in the returned [Permit], whose
// Send never blocks and never fails. Reserve waits in the same FIFO queue as
// [Sender.Send]. It returns [ErrClosed] if the receiver closed or this handle
// was closed.
//
// # Cancellation
//
// If ctx is done before a slot is free, Reserve returns ctx.Err() and holds
// no slot. If the slot was granted at the moment ctx was done, Reserve
// returns the permit and a nil error; the caller then owns the slot.
func (s *Sender[T]) Reserve(ctx context.Context) (*Permit[T], error) {
	if s.closed.Load() {
		return nil, ErrClosed
	}
	c := s.c
	c.mu.Lock()
	claimed, err := c.claimOrParkLocked(ctx)
	if err != nil {
		c.unlock()
		return nil, err
	}
	if claimed {
		c.unlock()
		return newPermit(c), nil
	}
	w := c.getWaiter()
	w.reserve = true
	c.senders.pushBack(w)
	c.unlock()
	served := c.wait(ctx, w, &c.senders)
	runtime.KeepAlive(s) // as in Send
	if !served {
		c.putWaiter(w)
		return nil, ctx.Err()
	}
	err = w.err
	c.putWaiter(w)
	if err != nil {
		return nil, err
	}
	return newPermit(c), nil
}

// TryReserve is [Sender.Reserve] without waiting: it returns a permit if a
// slot is free right now, [ErrFull] if the channel is full or other senders
// are waiting, and [ErrClosed] if the receiver closed or this handle was
// closed.
func (s *Sender[T]) TryReserve() (*Permit[T], error) {
	if s.closed.Load() {
		return nil, ErrClosed
	}
	c := s.c
	c.mu.Lock()
	defer c.unlock()
	for {
		st := c.state.Load()
		if st&closedBit != 0 {
			return nil, ErrClosed
		}
		if !c.senders.empty() || st&sendSlotBit != 0 || c.count(st) >= c.limit {
			return nil, ErrFull
		}
		if c.state.CompareAndSwap(st, st+1) {
			return newPermit(c), nil
		}
	}
}

// Clone returns a new open handle on the same channel; the channel stays
// open until every handle is closed. Clone panics if this handle is closed.
func (s *Sender[T]) Clone() *Sender[T] {
	if s.closed.Load() {
		panic("mpsc: Clone of a closed Sender")
	}
	s.c.refs.Add(1)
	return newSender(s.c)
}

// Close closes this handle; later sends through it return [ErrClosed]. When
// the last open handle closes, the channel closes: blocked senders fail with
// [ErrClosed], and the receiver gets [ErrClosed] once it has drained the
// buffered values and every outstanding [Permit] was used or released. Close
// is idempotent.
func (s *Sender[T]) Close() {
	s.cleanup.Stop()
	s.c.closeHandle(s.closed)
}

// closeHandle closes one handle, given its closed flag, and the channel with
// the last one.
func (c *core[T]) closeHandle(closed *atomic.Bool) {
	if closed.Swap(true) {
		return
	}
	if c.refs.Add(-1) > 0 {
		return
	}
	c.mu.Lock()
	c.closeLocked()
	c.unlock()
}

// IsClosed reports whether sends through this handle fail with [ErrClosed]:
// the handle was closed or the receiver closed.
func (s *Sender[T]) IsClosed() bool {
	if s.closed.Load() {
		return true
	}
	return s.c.state.Load()&closedBit != 0
}
