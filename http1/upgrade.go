package http1

import (
	"errors"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/shio-rt/shio/reactor"
	"github.com/shio-rt/shio/tlslayer"
)

// ErrNotReactor is returned by [Upgrade] for a ResponseWriter that is not
// one of a [Server]'s reactor connections (the fallback path, or another
// server): the caller switches protocols through [http.Hijacker] instead.
var ErrNotReactor = errors.New("http1: the ResponseWriter is not on a reactor connection")

// Upgrade switches the connection of the request that w answers to another
// protocol on the same reactor loop, with no goroutine and no copy: it
// sends "101 Switching Protocols" with the fields of w's header, and gives
// the connection to the handler that open returns (reactor.Conn.Handoff).
// A WebSocket package calls it from an http.Handler, which then returns:
// its goroutine is released at once, and the upgraded connection holds
// none while it is idle.
//
// w may be the ResponseWriter of a Server's reactor connection or a
// middleware's wrapper of one (Upgrade unwraps it through an
// Unwrap() http.ResponseWriter method, as http.ResponseController does).
// Anything else returns [ErrNotReactor], and the caller uses Hijack. The
// Handler must not have written the status or the body before.
//
// open is called once, on the calling goroutine and before the hand-off,
// with the connection and unread, the bytes the client sent after the
// request's head that the server already took in (usually none; valid only
// during the call, so the new handler copies them and presents them to
// itself first when it opens). open must not block. closed must be called
// once, from the returned handler's OnClose, with OnClose's error: until
// then the Server counts the connection as open (Stats.Open), and Shutdown
// waits for it as for any hijacked connection. A graceful stop reaches the
// new handler through reactor.ShutdownHandler, if it implements it: when
// the Server's own reactor shuts down (Serve on a net.Listener), on the
// loop; on the loops of a tcp.Network, when the Network shuts down (on the
// loop) and when the Server's Shutdown begins — then from Shutdown's
// goroutine, so such a handler's OnShutdown must be safe to call off the
// loop (a WebSocket's is: it sends 1001). The connection's deadlines are
// cleared; the new handler sets its own. The connection's attachment
// (reactor.Conn.Attach) is the new handler's from its OnOpen on: the
// Server no longer reads it, and a handler that attaches its own state
// there lets the Server's per-connection state go (about 200 bytes per
// idle upgraded connection). Stats counts the connection as
// Hijacked.
//
// Before the 101 is sent, an error leaves the request to be answered as
// usual; an error after it (the connection closed meanwhile) closes the
// connection.
func Upgrade(w http.ResponseWriter, open func(c *reactor.Conn, unread []byte, closed func(error)) reactor.Handler) error {
	resp := unwrapResponse(w)
	if resp == nil {
		return ErrNotReactor
	}
	c := resp.c
	rc, ok := c.rwc.(*rconn)
	switch {
	case !ok:
		return ErrNotReactor
	case c.hijacked:
		return http.ErrHijacked
	case resp.done:
		return ErrResponseDone
	case resp.wroteHeader:
		return errors.New("http1: Upgrade after the response's status was written")
	}
	if !c.flush() { // what a 1xx queued
		return c.werr
	}
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if err := rc.closedErrLocked(); err != nil {
		return err
	}
	unread := c.buf[c.r:c.w:c.w]
	if len(rc.pending) > 0 {
		unread = append(unread, rc.pending...)
	}
	u := &upgraded{h: rc.h, tl: rc.tl}
	u.rc.Store(rc)
	h := open(rc.c, unread, u.closed)
	rc.c.SetDeadline(time.Time{})
	// The 101 goes out first, so that nothing h writes (from its OnOpen,
	// on the loop) can precede it; then the hand-off, under mu: an OnData
	// that runs meanwhile (the client's first frames) waits for mu, finds
	// the phase hijacked and consumes nothing, and the reactor keeps the
	// bytes for h. Not rconn.Write: it may wait for a drain, which a
	// hijacked connection's handler does not report; a reactor.Conn never
	// blocks.
	head := appendStatusLine(c.out[:0], http.StatusSwitchingProtocols)
	head = resp.appendSorted(head, skipOnSwitch) // the Handler's Connection: Upgrade goes out
	head = append(head, "\r\n"...)
	_, err := rc.c.Write(head)
	c.out = head[:0]
	if err == nil {
		err = rc.c.Handoff(h)
	}
	if err != nil {
		rc.c.Close() // the client may have the 101: the connection is unusable
		c.werr = err
		return err
	}
	c.r = c.w
	rc.pending = releasePooled(rc.pending)
	rc.setPhaseLocked(phaseHijacked)
	c.hijacked = true
	c.upgraded = u
	c.srv.stats.hijacked.Add(1)
	if sh, ok := h.(reactor.ShutdownHandler); ok && rc.tracked {
		c.srv.trackUpgraded(rc, sh)
	}
	return nil
}

// upgraded is what an upgraded connection's closed function keeps of its
// rconn: the rconn itself only while the request goroutine that upgraded
// it runs (or for good on a foreign reactor, whose Server tracks it), so
// that an idle upgraded connection does not hold the rconn's ~200 bytes
// (with the new handler owning the reactor.Conn's attachment from its
// OnOpen on, nothing else does).
type upgraded struct {
	h  *reactorHandler
	tl *tlslayer.Conn
	rc atomic.Pointer[rconn] // nil once the request goroutine let go (24 bytes in all, not 32 with a mutex)
}

// closed is the closed function Upgrade gives open.
func (u *upgraded) closed(err error) {
	if rc := u.rc.Load(); rc != nil {
		u.h.closed(rc, err)
		return
	}
	u.h.s.stats.open.Add(-1)
	if u.tl != nil {
		u.tl.Close()
	}
}

// letGo drops the rconn, once the request goroutine is done with it,
// unless the Server tracks it.
func (u *upgraded) letGo(rc *rconn) {
	if rc.tracked {
		return
	}
	u.rc.Store(nil)
}

// trackUpgraded records the shutdown handler of a connection upgraded on
// another's reactor (see Upgrade); if Shutdown has begun meanwhile, the
// handler is told at once.
func (s *Server) trackUpgraded(rc *rconn, sh reactor.ShutdownHandler) {
	s.mu.Lock()
	if s.upgraded == nil {
		s.upgraded = map[*rconn]reactor.ShutdownHandler{}
	}
	s.upgraded[rc] = sh
	late := s.shuttingDown.Load()
	s.mu.Unlock()
	if late {
		sh.OnShutdown(rc.c)
	}
}

// unwrapResponse finds the Server's response under w and the middleware
// wrappers that expose it with Unwrap.
func unwrapResponse(w http.ResponseWriter) *response {
	for range 64 { // a bound against a wrapper that unwraps to itself
		switch v := w.(type) {
		case *response:
			return v
		case interface{ Unwrap() http.ResponseWriter }:
			w = v.Unwrap()
		default:
			return nil
		}
	}
	return nil
}

// ServerOf returns the Server whose Handler w answers, on either path
// (reactor or goroutine per connection), looking through middleware
// wrappers that expose an Unwrap() http.ResponseWriter method; nil if w is
// not a Server's. A protocol that takes connections over with
// http.Hijacker uses it to register with the Server's RegisterOnShutdown,
// as it would with net/http's server (http.ServerContextKey).
func ServerOf(w http.ResponseWriter) *Server {
	if resp := unwrapResponse(w); resp != nil {
		return resp.c.srv
	}
	return nil
}
