// Package wheel is a hashed timing wheel for per-connection deadlines.
//
// A [Wheel] holds at most one deadline per small integer id (a connection's
// index in its event loop's table). Setting, moving and stopping a deadline
// cost O(1) and allocate nothing once the id has been seen; the wheel's
// memory is 24 bytes per id ever used plus a fixed slot array, so it grows
// exactly as fast as the table it serves. Expiry is checked at the
// granularity of one tick: a deadline fires at the first [Wheel.Advance]
// whose time is at or past the deadline rounded up to a tick boundary (and
// at least one tick after the previous Advance), never before the deadline.
//
// A Wheel is not safe for concurrent use; each event loop owns its own.
// Times are plain int64 nanoseconds on any monotonic clock the owner likes.
package wheel
