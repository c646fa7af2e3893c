package tcp

import (
	"errors"
	"net"
	"sync"

	"github.com/shio-rt/shio/reactor"
)

// ErrServing is returned by [Listener.ServeEvents] when the listener's
// connections already go to a handler.
var ErrServing = errors.New("tcp: listener already serves an event handler")

// ServeEvents hands every connection ln accepts from now on to h, on the
// loops of ln's Network, instead of queuing it for Accept. h receives the
// connections through the reactor's event API ([reactor.Handler], and the
// optional interfaces such as [reactor.EOFHandler] when it implements
// them), so a protocol server keeps an idle connection without a goroutine
// or a buffer; http1.Server.Serve discovers this method and uses it. Each
// connection is given to h with [reactor.Conn.Handoff] as it opens, so its
// events reach h directly: the listener is looked up once per connection,
// not per event.
//
// Connections already queued stay for Accept, which afterwards returns
// only those and then waits until Close. ServeEvents may be called once: a
// second call returns [ErrServing], a call after Close net.ErrClosed. It is
// safe for concurrent use and costs one map entry per listener for the
// Network's lifetime.
//
// Closing ln stops accepting at once and leaves h's connections open.
// [Network.Close] closes them (OnClose receives
// [reactor.ErrReactorClosed]). A Listener from the package-level [Listen]
// keeps its private Network open, after Close, until release is called:
// call it once h's connections have all closed. release is idempotent and
// does nothing for a Network made with [New]; it must not be called on a
// loop goroutine (from h's callbacks), since the last release shuts the
// private Network down and waits for it.
func (ln *Listener) ServeEvents(h reactor.Handler) (release func(), err error) {
	ln.mu.Lock()
	defer ln.mu.Unlock()
	if ln.closed {
		return nil, &net.OpError{Op: "serve", Net: "tcp", Addr: ln.Addr(), Err: net.ErrClosed}
	}
	if ln.hs != nil {
		return nil, ErrTLSEvents
	}
	if _, loaded := ln.n.events.LoadOrStore(ln.rl, h); loaded {
		return nil, ErrServing
	}
	n := ln.n
	n.mu.Lock()
	if n.private {
		n.handles++ // held for h's connections
	}
	n.mu.Unlock()
	var once sync.Once
	return func() { once.Do(n.release) }, nil
}

// delegate returns the event handler that serves rc, or nil when rc is
// one of the package's Conns. It is called once per connection, in OnOpen.
func (n *Network) delegate(rc *reactor.Conn) reactor.Handler {
	if rc.Dialed() {
		return nil
	}
	if h, ok := n.events.Load(rc.Listener()); ok {
		return h.(reactor.Handler)
	}
	return nil
}
