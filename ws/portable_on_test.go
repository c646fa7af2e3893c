//go:build !linux || reactor_portable

package ws_test

// epoll reports whether the connections are on Linux's epoll reactor
// rather than the portable one (which does not linger after a close).
const epoll = false
