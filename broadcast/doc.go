// Package broadcast provides a multi-producer, multi-consumer channel in
// which every receiver sees every value, in order.
//
// The channel keeps the last capacity values in a ring. A receiver that falls
// more than capacity values behind does not hold the sender back: the oldest
// values are overwritten, and the receiver's next receive returns a
// [*LagError] with the exact number of values it missed, after which it
// continues from the oldest value still kept. This is the chat-room or
// game-room shape: a slow client loses old messages, never blocks the room
// (examples/chat is such a room, over TCP).
//
// A send writes one entry (one allocation) and wakes waiting receivers by
// closing one Go channel, whatever their number; a receive that finds its
// value ready is a few atomic loads and takes no lock. Waiting receivers
// park on a Go channel, so they are durably blocked inside a testing/synctest
// bubble.
//
// Every open receiver counts: [Sender.Send] fails with [ErrNoReceivers] when
// there is none, and the ring holds its values only while some receiver is
// open. Close receivers that are no longer needed; one that becomes
// unreachable is closed by the garbage collector at an unspecified later time.
//
// Use package mpsc when each value should go to one consumer, or when a slow
// consumer must hold the producer back instead of missing values; use watch
// when receivers need only the latest value.
package broadcast
