//go:build linux

// Package poll is shio's thinnest layer over the operating system: an
// edge-triggered epoll instance with an eventfd for cross-goroutine wake-ups,
// and the few socket calls the reactor needs (listen, accept, dup) done
// without allocating.
//
// [Poller.Wait] blocks its thread in epoll_wait; [Poller.Park] parks the
// calling goroutine in the Go runtime's own netpoller instead, which
// watches the epoll descriptor (readable while events are ready) like any
// socket.
//
// It exists only on Linux: on other systems it has no files at all (so that
// go doc -all prints the same for every package it lists on any system),
// and the reactor runs its public API over the standard library's net
// package.
//
// Nothing here is safe for concurrent use unless its doc comment says so:
// a [Poller] belongs to one event loop, except for [Poller.Wake], which any
// goroutine may call.
//
// epoll data never carries Go pointers: every registration carries a file
// descriptor and a 32-bit tag (an index into the owner's table, or one of
// the reserved tags below), which is what the kernel hands back.
package poll
