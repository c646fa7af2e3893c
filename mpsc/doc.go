// Package mpsc provides multi-producer, single-consumer channels: bounded
// ([New]) and unbounded ([NewUnbounded]).
//
// It adds to Go's channels what programs otherwise build by hand:
//
//   - Every blocking call takes a context and documents what a cancelled
//     call leaves behind (a # Cancellation paragraph on each).
//   - Senders are reference counted: [Sender.Clone] makes another handle, and
//     the channel closes when the last handle is closed, which answers Go's
//     "who closes the channel" question. Sending on a closed channel returns
//     [ErrClosed]; it never panics.
//   - [Sender.Reserve] takes a slot ahead of time and returns a [Permit]
//     whose Send never blocks, so a value is never lost to cancellation.
//   - The receiver can close the channel too ([Receiver.Close]): senders
//     then fail fast while the buffered values still drain.
//   - Blocked senders are served in FIFO order, and values from one sender
//     arrive in the order it sent them.
//
// Waiters park on Go channels, never on a sync.Mutex or sync.Cond, so a
// blocked call is durably blocked inside a testing/synctest bubble.
//
// On a bounded channel of capacity up to 65536 the uncontended paths are
// lock-free: a Send or TrySend that finds room while no sender is parked is
// one compare-and-swap on the channel's state word plus a store into a
// preallocated ring (Vyukov's per-slot sequence numbers), and a Recv or
// TryRecv that finds a value while no receiver is parked is one
// compare-and-swap on the ring's head plus an atomic add; [Permit.Send] and
// [Permit.Release] are lock-free too. Such a channel allocates its buffer up
// front (capacity rounded up to a power of two). A call takes the channel's
// mutex only to park, to wake a parked waiter, or to close. Larger bounded
// channels and unbounded ones grow their buffer on demand and take one short
// mutex critical section per operation. [Sender.Reserve], [Receiver.RecvMany]
// and [Receiver.Len] on a growable buffer always take the mutex. See the
// package benchmarks for costs relative to a Go channel.
//
// Use package oneshot for a single value, broadcast when every receiver must
// see every value, and watch when only the latest value matters.
package mpsc
