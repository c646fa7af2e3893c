package oneshot

import (
	"context"

	"github.com/shio-rt/shio/internal/obs"
)

// Receiver is the receiving half of a oneshot channel, created by [New]. It
// receives at most one value.
//
// The zero value is not usable; get a Receiver from [New]. A Receiver is safe
// for concurrent use: if several goroutines receive, one gets the value and
// the others get [ErrClosed].
type Receiver[T any] struct {
	s *shared[T]
}

// Recv waits for the value and returns it. It returns [ErrClosed] if the
// sender closed without sending or the value was already received.
//
// # Cancellation
//
// If ctx is done first, Recv returns ctx.Err() and leaves the channel as it
// was: a value sent later is kept for the next Recv or [Receiver.TryRecv].
// Recv never consumes the value and then reports cancellation.
func (r *Receiver[T]) Recv(ctx context.Context) (T, error) {
	sh := r.s
	if sh.state.Load() == stateEmpty {
		rec := obs.Park(ctx, obs.KindOneshotRecv, sh)
		if rec != nil {
			sh.parked.Add(1)
			defer func() {
				sh.parked.Add(-1)
				woke := int64(0)
				if sh.state.Load() != stateAbandoned {
					woke = sh.woke.Load() // 0 if ctx ended first
				}
				rec.Resume(woke)
			}()
		}
		select {
		case <-sh.ready:
		case <-ctx.Done():
			// A value that raced with cancellation is still delivered.
			if sh.state.Load() == stateEmpty {
				var zero T
				return zero, ctx.Err()
			}
		}
	}
	return r.take()
}

// TryRecv returns the value if one was sent, [ErrEmpty] if none was sent yet
// and the sender is open, and [ErrClosed] otherwise. It never blocks.
func (r *Receiver[T]) TryRecv() (T, error) {
	if r.s.state.Load() == stateEmpty {
		var zero T
		return zero, ErrEmpty
	}
	return r.take()
}

// take claims the value once the state has left stateEmpty.
func (r *Receiver[T]) take() (T, error) {
	sh := r.s
	var zero T
	if !sh.state.CompareAndSwap(stateSent, stateTaken) {
		return zero, ErrClosed
	}
	v := sh.value
	sh.value = zero // do not keep the value alive through the channel
	return v, nil
}

// Close tells the sender that the value is no longer wanted: a later
// [Sender.Send] fails and hands its value back, and [Sender.Closed] is
// closed. A value sent before Close can still be received. Close is
// idempotent.
func (r *Receiver[T]) Close() {
	sh := r.s
	if !sh.rxClosed.Swap(true) {
		close(sh.closed)
	}
}
