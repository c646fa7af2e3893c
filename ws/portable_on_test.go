//go:build !linux || reactor_portable

package ws_test

// queued reports whether reactor writes queue (Linux's epoll reactor)
// rather than block until the socket takes them (the portable reactor).
const queued = false
