// Package gopool keeps warm goroutines for short pieces of work that arrive
// one at a time, such as HTTP requests handed off by an event loop (http1)
// or TLS handshakes (tlslayer).
//
// Starting a goroutine is cheap, but a fresh goroutine starts on a small
// stack and grows it (copying it each time it doubles) as the work calls
// deeper; a request through net/http's types does this on every request.
// A [Pool] runs each item on a goroutine that has done such work before and
// parked, so its stack is already grown and hot in the cache, and falls
// back to a new goroutine when none is parked. Parked goroutines are kept
// in LIFO order (the most recently used runs next) and exit after an idle
// period, so an idle pool holds none.
package gopool
