//go:build !linux || reactor_portable

package http1

// writesQueue reports whether a reactor connection's writes queue (the
// epoll reactor) rather than wait for the socket (the portable one).
const writesQueue = false
