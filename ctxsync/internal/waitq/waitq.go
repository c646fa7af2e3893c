package waitq

import (
	"context"
	"sync"

	"github.com/shio-rt/shio/internal/obs"
)

// Waiter is one parked caller. It is created by [Queue.Push] or
// [Queue.PushChan] and belongs to the queue until it is woken or removed.
//
// The fields N and Err are for the primitive that owns the queue; they are
// guarded by the primitive's mutex. Err may also be read without the mutex
// by the waiter itself after its channel is closed, since the close
// synchronizes before the receive.
type Waiter struct {
	// N is the primitive's request: a weight for a semaphore, a kind for a
	// read-write lock. Set by the pusher, read by granters.
	N int64
	// Err is set by the granter before [Queue.Wake] when the wake is a
	// refusal (for example "semaphore closed") rather than a grant.
	Err error
	// Kind is the kind of primitive, for the collector (package
	// internal/obs): set by the pusher before Wait.
	Kind obs.Kind

	woke       int64         // obs.Stamp() of the Wake, for the collector
	ready      chan struct{} // closed by Wake; never sent on
	prev, next *Waiter       // links while queued
	queued     bool          // true from Push until Wake or Remove
	pooled     bool          // made by Push: recycled by Wait
}

// pool recycles the Waiter structs made by Push. Their channels are not
// recycled: a channel made inside a testing/synctest bubble must never be
// used outside it, and a pool cannot tell bubbles apart.
var pool = sync.Pool{New: func() any { return &Waiter{pooled: true} }}

// Ready returns the channel that is closed when w is woken. It may be used
// in a select statement.
func (w *Waiter) Ready() <-chan struct{} { return w.ready }

// Queued reports whether w is still in its queue: not yet woken and not
// removed. The caller must hold the mutex that guards the queue.
func (w *Waiter) Queued() bool { return w.queued }

// Queue is a FIFO list of waiters.
//
// The zero value is an empty queue. A Queue is not safe for concurrent use:
// every method must be called with the owning primitive's mutex held, except
// [Queue.Wait], which must be called without it. Every method but Wait is
// O(1). Push allocates a channel and reuses a recycled waiter when it can;
// PushChan allocates both.
type Queue struct {
	head, tail *Waiter
	n          int
}

// Len returns the number of queued waiters.
func (q *Queue) Len() int { return q.n }

// Front returns the oldest queued waiter, or nil if the queue is empty.
func (q *Queue) Front() *Waiter { return q.head }

// Push appends a waiter with request n and returns it. The caller must
// park on it with [Queue.Wait], which recycles it: after Wait returns, the
// waiter must not be used again.
func (q *Queue) Push(n int64) *Waiter {
	w := pool.Get().(*Waiter)
	w.N = n
	w.ready = make(chan struct{})
	q.link(w)
	return w
}

// PushChan appends a waiter with request n that is never recycled, for a
// waiter handed to user code to select on. It is settled with
// [Queue.Remove] rather than Wait.
func (q *Queue) PushChan(n int64) *Waiter {
	w := &Waiter{N: n, ready: make(chan struct{})}
	q.link(w)
	return w
}

func (q *Queue) link(w *Waiter) {
	w.queued = true
	if q.tail == nil {
		q.head = w
	} else {
		q.tail.next = w
		w.prev = q.tail
	}
	q.tail = w
	q.n++
}

// Remove unlinks w from q and reports whether it was queued. A waiter that
// was already woken or removed is left alone.
func (q *Queue) Remove(w *Waiter) bool {
	if !w.queued {
		return false
	}
	if w.prev == nil {
		q.head = w.next
	} else {
		w.prev.next = w.next
	}
	if w.next == nil {
		q.tail = w.prev
	} else {
		w.next.prev = w.prev
	}
	w.prev, w.next, w.queued = nil, nil, false
	q.n--
	return true
}

// Wake removes w from q, records err as its outcome (nil for a grant) and
// closes its channel. It panics if w is not queued, which would mean a
// waiter granted twice.
func (q *Queue) Wake(w *Waiter, err error) {
	if !q.Remove(w) {
		panic("waitq: Wake of a waiter that is not queued")
	}
	w.Err = err
	w.woke = obs.Stamp()
	close(w.ready)
}

// Wait parks the caller until w is woken or ctx is done, then recycles w.
// mu is the mutex that guards q; the caller must have pushed w under mu and
// released it.
//
// If w is woken first, Wait returns w.Err: nil for a grant. If ctx is done
// first, Wait locks mu and settles the race with the granters:
//
//   - w still queued: w is removed and cancel(w, false) runs, so that the
//     primitive can wake waiters that w was holding up (a large semaphore
//     request at the head, a writer in front of readers);
//   - w woken with a grant: cancel(w, true) runs and must hand the grant
//     back or pass it on;
//   - w woken with an error: nothing was granted and nothing runs.
//
// cancel runs with mu held and must not keep w. In the first two cases Wait
// returns ctx.Err(); in the third, w.Err.
func (q *Queue) Wait(ctx context.Context, mu *sync.Mutex, w *Waiter, cancel func(w *Waiter, granted bool)) error {
	rec := obs.Park(ctx, w.Kind, q)
	var err error
	if done := ctx.Done(); done == nil {
		<-w.ready // a ctx that is never done: skip the select
		err = w.Err
	} else {
		select {
		case <-w.ready:
			err = w.Err
		case <-done:
			err = q.settle(ctx, mu, w, cancel)
		}
	}
	if rec != nil {
		woke := w.woke
		if err != nil {
			woke = 0 // not a grant
		}
		rec.Resume(woke)
	}
	if w.pooled {
		*w = Waiter{pooled: true}
		pool.Put(w)
	}
	return err
}

// settle is the cancelled half of Wait.
func (q *Queue) settle(ctx context.Context, mu *sync.Mutex, w *Waiter, cancel func(*Waiter, bool)) error {
	mu.Lock()
	defer mu.Unlock()
	if q.Remove(w) {
		cancel(w, false)
		return ctx.Err()
	}
	if w.Err != nil {
		return w.Err
	}
	cancel(w, true)
	return ctx.Err()
}
