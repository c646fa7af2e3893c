package ctxsync

import (
	"context"
	"sync"

	"github.com/shio-rt/shio/ctxsync/internal/waitq"
	"github.com/shio-rt/shio/internal/obs"
)

// How a Notify waiter was woken, stored in waitq.Waiter.N.
const (
	notifiedAll = 1 // by NotifyAll
	notifiedOne = 2 // by NotifyOne or by a stored permit
)

// A Notify wakes waiting goroutines without carrying data: an event that
// says "look again".
//
// [Notify.NotifyOne] wakes the oldest waiter or, if nobody waits, stores a
// single permit that the next waiter consumes at once (several NotifyOne
// calls with nobody waiting store one permit, not several). This makes the
// check-then-wait pattern race free: a notification sent between a
// goroutine's check of a condition and its call to Wait is not lost.
// [Notify.NotifyAll] wakes every goroutine waiting at the time of the call
// and stores nothing.
//
// [Notify.Wait] waits with a context; [Notify.Notified] returns a
// [Ticket] whose channel can be used in a select statement.
//
// The zero value is ready to use. A Notify must not be copied after first
// use. A notification synchronizes before the return of the wait it wakes.
//
// Cost: every operation takes a short internal lock; a Wait that blocks
// allocates a channel, and Notified allocates a ticket and a channel.
type Notify struct {
	mu     sync.Mutex  // guards the fields below
	permit bool        // a NotifyOne with nobody waiting
	q      waitq.Queue // waiting tickets, oldest first
}

// A Ticket is one registration with a [Notify], made by [Notify.Notified].
// A Ticket is used by one goroutine.
type Ticket struct {
	n *Notify
	w *waitq.Waiter
}

// Notified registers the caller as a waiter and returns its ticket. If a
// permit is stored, the ticket consumes it and is notified at once.
//
// Use it where a select statement must also watch other channels:
//
//	t := n.Notified()
//	select {
//	case <-t.Done():
//		// notified
//	case <-other:
//		t.Cancel()
//	}
//
// A ticket that will not be received from must be cancelled, or it holds
// its place in the queue and may absorb a NotifyOne.
func (n *Notify) Notified() *Ticket {
	n.mu.Lock()
	defer n.mu.Unlock()
	w := n.q.PushChan(0)
	if n.permit {
		n.permit = false
		w.N = notifiedOne
		n.q.Wake(w, nil)
	}
	return &Ticket{n: n, w: w}
}

// Done returns a channel that is closed when the ticket is notified.
func (t *Ticket) Done() <-chan struct{} { return t.w.Ready() }

// Cancel withdraws a ticket that the caller will not receive from. If the
// ticket had already been given a NotifyOne notification (or a stored
// permit), Cancel passes it on to the oldest other waiter, or stores it as
// the permit, so that it is not lost. Call Cancel only when you did not
// receive from Done; after such a receive the notification was consumed.
// Cancel is idempotent.
func (t *Ticket) Cancel() {
	t.n.mu.Lock()
	defer t.n.mu.Unlock()
	t.n.cancelLocked(t.w, !t.n.q.Remove(t.w))
}

func (n *Notify) cancelLocked(w *waitq.Waiter, woken bool) {
	if woken && w.N == notifiedOne {
		w.N = 0 // pass it on once, even if Cancel is called again
		n.notifyOneLocked()
	}
}

// Wait blocks until the caller is notified by NotifyOne, by NotifyAll, or
// by a stored permit, and returns nil; or until ctx is done and returns
// ctx.Err(). A stored permit is consumed even when ctx is already done.
//
// # Cancellation
//
// A Wait that returns an error leaves no waiter behind and consumes
// nothing: if a NotifyOne notification (or the permit) was handed to it at
// the moment ctx was cancelled, it passes it on to the next waiter or
// stores it back as the permit. A NotifyAll that raced with the
// cancellation is simply missed, as it would be by a goroutine that had not
// yet called Wait.
func (n *Notify) Wait(ctx context.Context) error {
	n.mu.Lock()
	if n.permit {
		n.permit = false
		n.mu.Unlock()
		return nil
	}
	if err := ctx.Err(); err != nil {
		n.mu.Unlock()
		return err
	}
	w := n.q.Push(0)
	w.Kind = obs.KindNotify
	n.mu.Unlock()
	return n.q.Wait(ctx, &n.mu, w, n.cancelLocked)
}

// NotifyOne wakes the oldest waiter; if nobody waits it stores a permit
// for the next one, unless one is stored already.
func (n *Notify) NotifyOne() {
	n.mu.Lock()
	n.notifyOneLocked()
	n.mu.Unlock()
}

func (n *Notify) notifyOneLocked() {
	w := n.q.Front()
	if w == nil {
		n.permit = true
		return
	}
	w.N = notifiedOne
	n.q.Wake(w, nil)
}

// NotifyAll wakes every goroutine waiting now. It stores no permit, so a
// goroutine that starts waiting after NotifyAll returns waits for the next
// notification.
func (n *Notify) NotifyAll() {
	n.mu.Lock()
	defer n.mu.Unlock()
	for w := n.q.Front(); w != nil; w = n.q.Front() {
		w.N = notifiedAll
		n.q.Wake(w, nil)
	}
}
