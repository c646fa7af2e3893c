package broadcast

import "context"

// Receiver is one subscriber of a broadcast channel, created by
// [Sender.Subscribe] or [Receiver.Resubscribe]. It receives every value sent
// after it subscribed, in order, unless it falls behind by more than the
// channel's capacity (see [LagError]).
//
// The zero value is not usable. A Receiver tracks its own position and is
// not safe for concurrent use; give each goroutine its own receiver with
// [Receiver.Resubscribe] or [Sender.Subscribe]. Close a receiver that is no
// longer used: it counts toward [Sender.ReceiverCount].
type Receiver[T any] struct {
	sh     *shared[T]
	next   uint64 // sequence number of the next value to return
	closed bool
}

// Recv returns the next value, waiting for one if the receiver has seen
// every value sent so far. If values were overwritten before the receiver
// got to them, Recv returns a [*LagError] with the number missed and moves
// the receiver to the oldest value still kept. It returns [ErrClosed] once
// the sender closed and the receiver has seen every value kept, or after
// [Receiver.Close].
//
// # Cancellation
//
// If ctx is done before a value arrives, Recv returns ctx.Err() and the
// receiver's position is unchanged: the next receive returns the value this
// one would have returned. A value already available is returned even if
// ctx is done.
func (r *Receiver[T]) Recv(ctx context.Context) (T, error) {
	sh := r.sh
	for {
		if v, err, ok := r.poll(); ok {
			return v, err
		}
		sh.mu.Lock()
		if v, err, ok := r.poll(); ok {
			sh.mu.Unlock()
			return v, err
		}
		if sh.notify == nil {
			sh.notify = make(chan struct{})
		}
		wake := sh.notify
		sh.mu.Unlock()
		select {
		case <-wake:
		case <-ctx.Done():
			var zero T
			return zero, ctx.Err()
		}
	}
}

// TryRecv is [Receiver.Recv] without waiting: it returns [ErrEmpty] when the
// receiver has seen every value sent so far and the sender is open.
func (r *Receiver[T]) TryRecv() (T, error) {
	if v, err, ok := r.poll(); ok {
		return v, err
	}
	var zero T
	return zero, ErrEmpty
}

// poll returns the next value, a lag or ErrClosed, with ok set; or ok unset
// if there is nothing yet. It takes no lock.
func (r *Receiver[T]) poll() (v T, err error, ok bool) {
	if r.closed {
		return v, ErrClosed, true
	}
	sh := r.sh
	// Load closed before the slot: closed is stored after the last entry, so
	// an empty slot seen after closed means there is nothing more.
	closed := sh.closed.Load()
	e := sh.slots[r.next&sh.mask].Load()
	switch {
	case e != nil && e.seq == r.next:
		r.next++
		return e.val, nil, true
	case e != nil && e.seq > r.next:
		// Overwritten. Entries are stored in order, so every value up to
		// e.seq-capacity is gone; tail may show that even more are.
		size := sh.mask + 1
		oldest := e.seq - size + 1
		if t := sh.tail.Load(); t-size > oldest {
			oldest = t - size
		}
		missed := oldest - r.next
		r.next = oldest
		return v, &LagError{Missed: missed}, true
	case closed:
		return v, ErrClosed, true
	}
	return v, nil, false
}

// Resubscribe returns a new receiver on the same channel that sees the
// values sent from now on, whatever this receiver's position.
func (r *Receiver[T]) Resubscribe() *Receiver[T] {
	return (&Sender[T]{sh: r.sh}).Subscribe()
}

// Close unsubscribes the receiver: it no longer counts toward
// [Sender.ReceiverCount], and its receives return [ErrClosed]. Close is
// idempotent.
func (r *Receiver[T]) Close() {
	if !r.closed {
		r.closed = true
		r.sh.receivers.Add(-1)
	}
}

// Len returns the number of values sent that the receiver has not received
// yet, counting values already overwritten.
func (r *Receiver[T]) Len() int { return int(r.sh.tail.Load() - r.next) }
