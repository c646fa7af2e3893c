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
// blocked call is durably blocked inside a testing/synctest bubble. The
// channel's state sits under one short mutex critical section per
// operation; an uncontended Send or Recv is a lock, a ring-buffer copy and an
// unlock (see the package benchmarks for costs relative to a Go channel).
//
// Use package oneshot for a single value, broadcast when every receiver must
// see every value, and watch when only the latest value matters.
package mpsc
