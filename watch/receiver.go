package watch

import (
	"context"
	"iter"
	"runtime"

	"github.com/shio-rt/shio/internal/obs"
)

// Receiver reads a watch channel and tracks which version of the value it
// has seen. Created by [New], [Sender.Subscribe] or [Receiver.Clone].
//
// The zero value is not usable. A Receiver is not safe for concurrent use;
// give each goroutine its own with [Receiver.Clone].
//
// An open receiver counts toward [Sender.ReceiverCount], which decides
// whether [Sender.Send] stores a value. [Receiver.Close] is the prompt way to
// close a receiver; a receiver that becomes unreachable is closed by the
// garbage collector at an unspecified later time.
// For that, each receiver registers a cleanup with the runtime: creating and
// closing one costs four small allocations and a few hundred nanoseconds.
type Receiver[T any] struct {
	sh     *shared[T]
	seen   uint64 // version last marked as seen
	closed bool
	// cleanup counts the receiver out if it is collected while open.
	cleanup runtime.Cleanup
}

// newReceiver returns an open receiver that has seen version seen; the
// caller has counted it in receivers.
func newReceiver[T any](sh *shared[T], seen uint64) *Receiver[T] {
	r := &Receiver[T]{sh: sh, seen: seen}
	// The cleanup's argument is sh, never r, or r would stay reachable.
	r.cleanup = runtime.AddCleanup(r, (*shared[T]).unsubscribe, sh)
	return r
}

// Load returns a copy of the latest value without marking it as seen. It
// never blocks. The copy is shallow: a value holding pointers, maps or
// slices shares them with the channel, and must not be changed in place.
func (r *Receiver[T]) Load() T { return r.sh.cur.Load().val }

// LoadAndMarkSeen returns a copy of the latest value, as [Receiver.Load]
// does, and marks it as seen.
func (r *Receiver[T]) LoadAndMarkSeen() T {
	v := r.sh.cur.Load()
	r.seen = v.ver
	return v.val
}

// HasChanged reports whether the value changed since the receiver last
// marked it as seen. It returns [ErrClosed] if the sender closed (the value
// can still be loaded).
func (r *Receiver[T]) HasChanged() (bool, error) {
	closed := r.sh.closed.Load()
	changed := r.sh.cur.Load().ver != r.seen
	if closed {
		return changed, ErrClosed
	}
	return changed, nil
}

// Changed waits until the value has a version the receiver has not seen,
// marks that version as seen, and returns nil; it returns at once if such a
// version is already there. Call [Receiver.LoadAndMarkSeen] (or Load) next
// to read the value. Changed returns [ErrClosed] once the sender closed and
// no unseen change is left, so the last change is never missed.
//
// # Cancellation
//
// If ctx is done before the value changes, Changed returns ctx.Err() and
// the receiver's seen version is unchanged. A change already there is
// reported even if ctx is done.
func (r *Receiver[T]) Changed(ctx context.Context) error {
	sh := r.sh
	for {
		if done, err := r.changed(); done {
			return err
		}
		sh.mu.Lock()
		if done, err := r.changed(); done {
			sh.mu.Unlock()
			return err
		}
		if sh.notify == nil {
			sh.notify = make(chan struct{})
		}
		wake := sh.notify
		sh.mu.Unlock()
		rec := obs.Park(ctx, obs.KindWatchChanged, sh)
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
			return ctx.Err()
		}
	}
}

// changed marks an unseen version as seen and reports done, or reports done
// with ErrClosed, or reports not done.
func (r *Receiver[T]) changed() (done bool, err error) {
	if r.closed {
		return true, ErrClosed
	}
	// Read closed before the version: closed is stored after the last
	// change, so a version seen after closed is the last one.
	closed := r.sh.closed.Load()
	if v := r.sh.cur.Load(); v.ver != r.seen {
		r.seen = v.ver
		return true, nil
	}
	if closed {
		return true, ErrClosed
	}
	return false, nil
}

// All returns an iterator over the versions of the value the receiver
// observes, for use with range, as Tokio's WatchStream:
//
//	for cfg, err := range rx.All(ctx) {
//		if err != nil {
//			return err // ctx's error, yielded once, last
//		}
//		...
//	}
//
// It yields (v, nil) with the latest value at once, marking it seen, then
// waits for each change and yields the latest value again. Changes made
// while the loop body runs are coalesced: a slow loop sees the latest value,
// never a backlog. It ends quietly once the sender closed and the last
// change was yielded, or after [Receiver.Close].
//
// # Cancellation
//
// Once ctx is done, All yields (zero, ctx.Err()) and ends; a change not yet
// yielded stays unseen, as with [Receiver.Changed].
func (r *Receiver[T]) All(ctx context.Context) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zero T
		if r.closed {
			return
		}
		if err := ctx.Err(); err != nil {
			yield(zero, err)
			return
		}
		if !yield(r.LoadAndMarkSeen(), nil) {
			return
		}
		for {
			if err := ctx.Err(); err != nil {
				yield(zero, err)
				return
			}
			switch err := r.Changed(ctx); err {
			case nil:
				if !yield(r.LoadAndMarkSeen(), nil) {
					return
				}
			case ErrClosed:
				return
			default:
				yield(zero, err)
				return
			}
		}
	}
}

// WaitFor returns the first value, starting with the current one, for which
// pred reports true, marking each value it checks as seen. pred runs once
// per version checked, on the receiver's goroutine. WaitFor returns
// [ErrClosed] if the sender closed and the last value does not satisfy pred.
//
// # Cancellation
//
// If ctx is done first, WaitFor returns ctx.Err(); the values already checked
// stay marked as seen, nothing else changes. A current value that satisfies
// pred is returned even if ctx is done.
func (r *Receiver[T]) WaitFor(ctx context.Context, pred func(T) bool) (T, error) {
	for {
		v := r.LoadAndMarkSeen()
		if pred(v) {
			return v, nil
		}
		if err := r.Changed(ctx); err != nil {
			var zero T
			return zero, err
		}
	}
}

// MarkSeen marks the current value as seen.
func (r *Receiver[T]) MarkSeen() { r.seen = r.sh.cur.Load().ver }

// MarkUnseen marks the current value as not seen, so that the next
// [Receiver.Changed] returns at once.
func (r *Receiver[T]) MarkUnseen() { r.seen = r.sh.cur.Load().ver - 1 }

// Clone returns a new receiver on the same channel that has seen what this
// one has seen.
func (r *Receiver[T]) Clone() *Receiver[T] {
	r.sh.receivers.Add(1)
	return newReceiver(r.sh, r.seen)
}

// Close closes the receiver: it no longer counts toward
// [Sender.ReceiverCount], and its Changed and WaitFor return [ErrClosed].
// Load still works. Close is idempotent.
func (r *Receiver[T]) Close() {
	if r.closed {
		return
	}
	r.closed = true
	r.cleanup.Stop()
	// Stop is certain to take effect only if r is reachable across it;
	// otherwise the cleanup could run too and count r out twice.
	runtime.KeepAlive(r)
	r.sh.unsubscribe()
}

// unsubscribe counts one receiver out.
func (sh *shared[T]) unsubscribe() { sh.receivers.Add(-1) }
