//go:build !linux || reactor_portable

package reactor

import "net"

// listenerSys is the portable part of a Listener.
type listenerSys struct{ ln net.Listener }

func (ln *Listener) addr() net.Addr { return ln.ln.Addr() }

func (ln *Listener) close() { ln.ln.Close() }
