//go:build linux && !reactor_portable

package ws_test

const epoll = true
