// Package timer is shio's clock toolkit, in the manner of tokio::time: a
// context-aware [Sleep], an [Interval] with an explicit policy for missed
// ticks, a [Timeout] helper whose error says it timed out, and a keyed
// [DelayQueue] for many deadlines (session timeouts, retransmissions,
// leases) that costs one runtime timer in total rather than one per key.
//
// Everything here is built on Go runtime timers, so it works in any Go
// program and inside a testing/synctest bubble, where time is virtual. No
// function in this package starts a goroutine.
//
// # Cancellation
//
// Every call that can block takes a context first and returns the
// context's error promptly once it is done. What a cancelled call leaves
// behind is stated in each method's documentation; in short, cancellation
// never consumes a tick or a key.
package timer
