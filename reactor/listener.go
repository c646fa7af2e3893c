package reactor

import "net"

// Listener is a listening socket opened by [Reactor.Listen]. Its
// connections are served on the reactor's loops; closing it stops
// accepting and leaves them open.
type Listener struct {
	listenerSys // per-OS state (listener_linux.go, listener_other.go)
}

// Addr returns the address the listener is bound to.
func (ln *Listener) Addr() net.Addr { return ln.addr() }

// Close stops accepting on the listener and releases its socket before it
// returns. Connections it accepted stay open. Close is idempotent and
// returns nil; the reactor's Shutdown and Close close every listener too.
func (ln *Listener) Close() error {
	ln.close()
	return nil
}
