// Package ctxsync provides context-aware, FIFO-fair synchronisation
// primitives: [Mutex], [RWMutex], [Semaphore], [Barrier], [Notify], [Event]
// and [Cell].
//
// Every call that can block takes a context.Context first and returns
// promptly once the context is done; the "# Cancellation" section of each
// such method says what a cancelled call leaves behind. Waiters are served in
// arrival order and park on channels, never on a sync.Mutex or sync.Cond, so
// code using these primitives can be tested with virtual time inside a
// testing/synctest bubble. The uncontended paths of the locks and the
// semaphore are a single atomic compare-and-swap.
//
// Misuse that can only be a programmer error (unlocking an unlocked mutex,
// releasing more than was acquired) panics with a "ctxsync:" prefix.
package ctxsync
