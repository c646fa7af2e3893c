// Package watch provides a channel that keeps only the latest value: one
// [Sender] publishes, many [Receiver]s read the current value and wait for
// it to change.
//
// It suits configuration, state and progress: a receiver that checks in
// rarely sees the newest value, never a backlog. Each receiver tracks the
// version it has seen, so [Receiver.Changed] reports each change at most
// once and never misses the last one.
//
// Reading the value ([Receiver.Load]) is one atomic load and takes no
// lock. A change stores a new immutable version (one allocation) and wakes
// every waiting receiver by closing one Go channel. Waiting receivers park
// on that channel, so they are durably blocked inside a testing/synctest
// bubble.
//
// Every open receiver counts: [Sender.Send] fails with [ErrNoReceivers] when
// there is none. Close receivers that are no longer needed; one that becomes
// unreachable is closed by the garbage collector at an unspecified later time.
//
// Do not use watch for a stream of events: intermediate values are skipped
// by design. Use broadcast or mpsc when every value matters.
package watch
