// Package waitq is the FIFO queue of parked waiters shared by shio's
// synchronisation primitives (ctxsync and the channel packages).
//
// A primitive guards its own state and its [Queue] with one short-held
// sync.Mutex. A caller that must block pushes a [Waiter] while holding that
// mutex, releases it, and parks in [Queue.Wait] on the waiter's channel, never
// on the mutex or on a sync.Cond, so a testing/synctest bubble sees it as
// durably blocked. A granter, holding the mutex, pops the waiter and closes
// its channel with [Queue.Wake].
//
// Cancellation is the delicate part and lives here, once: a waiter whose ctx
// is done re-takes the mutex and either finds itself still queued (it is
// removed, nothing was granted) or finds that it was woken concurrently. In
// the second case the grant was real, and [Queue.Wait] gives it to the
// primitive's cancel function so that it can hand it back or pass it on:
// nothing is ever lost.
package waitq
