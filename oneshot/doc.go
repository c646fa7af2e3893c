// Package oneshot provides a channel that carries exactly one value from one
// [Sender] to one [Receiver].
//
// A oneshot channel is the natural way to hand a single result back from a
// task: the sender learns (through [Sender.Closed]) when nobody is waiting for
// the result any more, and a send to a closed receiver fails with a
// [*SendError] that hands the value back, so nothing is silently lost.
//
// The receiver waits with a context. Waiting parks on Go channels only, so a
// waiting receiver is durably blocked inside a testing/synctest bubble.
//
// Creating a channel costs three small allocations; a Send and a Recv each
// cost a few atomic operations and one channel close. For more than one
// value, use package mpsc.
package oneshot
