package broadcast

import (
	"context"
	"errors"
	"iter"
	"runtime"
	"sync/atomic"

	"github.com/shio-rt/shio/internal/obs"
)

// Receiver is one subscriber of a broadcast channel, created by [New],
// [Sender.Subscribe] or [Receiver.Resubscribe]. It receives every value sent
// after it subscribed, in order, unless it falls behind by more than the
// channel's capacity (see [LagError]).
//
// The zero value is not usable. A Receiver tracks its own position and is
// not safe for concurrent use; give each goroutine its own receiver with
// [Receiver.Resubscribe] or [Sender.Subscribe].
//
// An open receiver counts toward [Sender.ReceiverCount], and while any
// receiver is open the channel keeps the last capacity values. [Receiver.Close]
// is the prompt way to unsubscribe; a receiver that becomes unreachable is
// closed by the garbage collector at an unspecified later time.
// For that, each receiver registers a cleanup with the runtime: creating and
// closing one costs four small allocations and a few hundred nanoseconds.
type Receiver[T any] struct {
	sh   *shared[T]
	next uint64 // sequence number of the next value to return
	// pos publishes next to the collector (nil unless the channel was
	// made at the Full level; closedPos once closed).
	pos    *atomic.Uint64
	closed bool
	// cleanup unsubscribes the receiver if it is collected while open.
	cleanup runtime.Cleanup
}

// newReceiver returns an open receiver whose next value is next; the caller
// has counted it in receivers, under mu.
func newReceiver[T any](sh *shared[T], next uint64, pos *atomic.Uint64) *Receiver[T] {
	r := &Receiver[T]{sh: sh, next: next, pos: pos}
	// The cleanup's argument is sh, never r, or r would stay reachable.
	r.cleanup = runtime.AddCleanup(r, (*shared[T]).unsubscribe, sh)
	return r
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
		rec := obs.Park(ctx, obs.KindBroadcastRecv, sh)
		if rec != nil {
			sh.parked.Add(1)
		}
		select {
		case <-wake:
			if rec != nil {
				sh.parked.Add(-1)
				sh.mu.Lock()
				woke := sh.woke // the stamp of the close of wake, or a later one
				sh.mu.Unlock()
				rec.Resume(woke)
			}
		case <-ctx.Done():
			if rec != nil {
				sh.parked.Add(-1)
				rec.Resume(0)
			}
			var zero T
			return zero, ctx.Err()
		}
	}
}

// All returns an iterator over the received values, for use with range:
//
//	for v, err := range rx.All(ctx) {
//		var lag *broadcast.LagError
//		if errors.As(err, &lag) {
//			continue // lag.Missed values were lost; the loop goes on
//		}
//		if err != nil {
//			return err // ctx's error, yielded once, last
//		}
//		...
//	}
//
// It yields (v, nil) for each value and ends quietly once the sender closed
// and the receiver has seen every value kept, or after [Receiver.Close]. A
// lag is not the end: All yields (zero, *[LagError]) and goes on with the
// oldest value still kept. Breaking out of the loop leaves the receiver's
// position after the last value yielded.
//
// # Cancellation
//
// Once ctx is done, All yields (zero, ctx.Err()) and ends without taking
// another value: the receiver's position is unchanged, as with
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
			var lag *LagError
			switch {
			case err == nil, errors.As(err, &lag):
				if !yield(v, err) {
					return
				}
			case err == ErrClosed:
				return
			default:
				yield(zero, err)
				return
			}
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
		if r.pos != nil {
			r.pos.Store(r.next)
		}
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
		if r.pos != nil {
			r.pos.Store(r.next)
		}
		sh.missed.Add(missed)
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
// [Sender.ReceiverCount], and its receives return [ErrClosed]. When the last
// open receiver closes, the channel drops the values it kept, so they can be
// collected. Close is idempotent.
func (r *Receiver[T]) Close() {
	if r.closed {
		return
	}
	r.closed = true
	if r.pos != nil {
		r.pos.Store(closedPos)
	}
	r.cleanup.Stop()
	// Stop is certain to take effect only if r is reachable across it;
	// otherwise the cleanup could run too and unsubscribe r twice.
	runtime.KeepAlive(r)
	r.sh.unsubscribe()
}

// unsubscribe counts one receiver out. The last one out clears the ring:
// no open receiver can read the kept values any more, and a receiver that
// subscribes later starts at the tail, so only the garbage collector would
// notice them.
func (sh *shared[T]) unsubscribe() {
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if sh.receivers.Add(-1) == 0 {
		for i := range sh.slots {
			sh.slots[i].Store(nil)
		}
	}
}

// Len returns the number of values sent that the receiver has not received
// yet, counting values already overwritten.
func (r *Receiver[T]) Len() int { return int(r.sh.tail.Load() - r.next) }
