package http1

import (
	"context"
	"net"
	"net/http"
	"time"

	"github.com/shio-rt/shio/reactor"
)

// connHooks is what a reactor connection keeps for the Server's
// per-connection hooks, ConnState and ConnContext: allocated at the accept
// only when one is set, so that a server without them spends nothing.
type connHooks struct {
	view net.Conn        // the connection as the hooks see it
	base context.Context // ConnContext's, for the connection's requests
}

// reactorConnView is a reactor connection as a net.Conn, for ConnState
// and ConnContext, which identify connections by it (net/http passes its
// own connections). Its Write, Close, deadlines and addresses are the
// reactor.Conn's; Read fails, since the server reads the connection.
type reactorConnView struct{ c *reactor.Conn }

// errViewRead is returned by a reactorConnView's Read.
var errViewRead = &net.OpError{Op: "read", Net: "tcp", Err: errNotReadable{}}

type errNotReadable struct{}

func (errNotReadable) Error() string {
	return "http1: the server reads this connection; Hijack to read it"
}

func (v reactorConnView) Read([]byte) (int, error)          { return 0, errViewRead }
func (v reactorConnView) Write(p []byte) (int, error)       { return v.c.Write(p) }
func (v reactorConnView) Close() error                      { return v.c.Close() }
func (v reactorConnView) LocalAddr() net.Addr               { return v.c.LocalAddr() }
func (v reactorConnView) RemoteAddr() net.Addr              { return v.c.RemoteAddr() }
func (v reactorConnView) SetDeadline(t time.Time) error     { return v.c.SetDeadline(t) }
func (v reactorConnView) SetReadDeadline(t time.Time) error { return v.c.SetReadDeadline(t) }
func (v reactorConnView) SetWriteDeadline(t time.Time) error {
	return v.c.SetWriteDeadline(t)
}

// openHooks runs ConnContext and ConnState(New) for a reactor connection
// as it opens, and keeps what later calls need.
func (rc *rconn) openHooks(base context.Context) {
	s := rc.s
	if s.ConnState == nil && s.ConnContext == nil {
		return
	}
	hk := &connHooks{view: &reactorConnView{rc.c}, base: base}
	if s.ConnContext != nil {
		hk.base = s.ConnContext(base, hk.view)
		if hk.base == nil {
			panic("http1: ConnContext returned nil")
		}
	}
	rc.hooks = hk
	rc.setState(http.StateNew)
}

// setState reports a reactor connection's state to ConnState, if set.
func (rc *rconn) setState(st http.ConnState) {
	if rc.hooks != nil && rc.s.ConnState != nil {
		rc.s.ConnState(rc.hooks.view, st)
	}
}

func (rc *rconn) pipelined(*conn) {
	rc.setState(http.StateIdle)
	rc.setState(http.StateActive)
}

// baseFor returns the context rc's requests derive from.
func (rc *rconn) baseFor(base context.Context) context.Context {
	if rc.hooks != nil {
		return rc.hooks.base
	}
	return base
}

// setState reports a fallback connection's state to ConnState, if set.
func (t *netConn) setState(s *Server, st http.ConnState) {
	if s.ConnState != nil {
		s.ConnState(t.Conn, st)
	}
}

func (t *netConn) pipelined(c *conn) {
	t.setState(c.srv, http.StateIdle)
	t.setState(c.srv, http.StateActive)
}
