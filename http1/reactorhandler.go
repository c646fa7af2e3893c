package http1

import (
	"context"
	"errors"
	"net/http"
	"runtime"
	"sync"
	"time"

	"github.com/shio-rt/shio/http1/internal/http1parse"
	"github.com/shio-rt/shio/internal/obs"
	"github.com/shio-rt/shio/reactor"
	"github.com/shio-rt/shio/tlslayer"
)

// reactorHandler adapts a Server to reactor callbacks: it moves each
// connection's [rconn] through its phases. The callbacks run on the
// connection's loop (OnShutdown also on Shutdown's goroutine, for a
// foreign reactor).
type reactorHandler struct {
	s    *Server
	base context.Context // the listener's base context
	// foreign reports that the reactor belongs to someone else (a tcp
	// Network): the server tracks these connections itself, in conns and
	// Server.rconns.
	foreign bool
	conns   sync.WaitGroup
	// tls, if not nil, puts a TLS layer on every connection (tls.go).
	tls *tlslayer.Handshaker
}

// attach makes rc the per-connection value of c, and rconnOf reads it
// back: the one place that uses the reactor.Conn's attachment.
func attach(c *reactor.Conn, rc *rconn) { c.Attach(rc) }

func rconnOf(c *reactor.Conn) *rconn { return c.Attachment().(*rconn) }

func (h *reactorHandler) OnOpen(c *reactor.Conn) {
	s := h.s
	s.stats.accepted.Add(1)
	s.stats.open.Add(1)
	rc := &rconn{s: s, c: c, h: h}
	attach(c, rc)
	if h.tls != nil {
		rc.startTLS(h.tls)
	}
	if h.foreign && !h.track(rc) {
		rc.mu.Lock()
		rc.setPhaseLocked(phaseEnding)
		rc.mu.Unlock()
		c.Close() // the server is shutting down
		return
	}
	rc.openHooks(h.base)
	if rc.tl == nil { // with TLS, startTLS bounds the wait for the ClientHello
		rc.armFirst()
	}
}

func (h *reactorHandler) OnData(c *reactor.Conn, data []byte) int {
	rc := rconnOf(c)
	rc.mu.Lock()
	switch p := rc.phase; p {
	case phaseIdle, phaseHead:
		rc.mu.Unlock()
		if p == phaseIdle {
			rc.setState(http.StateActive)
		}
		h.parseHead(rc, data, p)
		return len(data)
	case phaseRunning:
		n := rc.queueLocked(data)
		rc.mu.Unlock()
		return n
	case phaseHijacked:
		// A callback that was running when hijack handed the connection
		// over: the reactor keeps the bytes for the tcp.Conn.
		rc.mu.Unlock()
		return 0
	default:
		rc.mu.Unlock()
		return len(data) // after a final response: never read as a request
	}
}

// parseHead parses data on the loop, in rc.cn's own buffer, while no
// goroutine owns the connection (its phase p is idle or head); what does
// not fit (body bytes) waits in pending. A complete head starts a request
// goroutine, an incomplete one the header timeout, a malformed one is
// answered and the connection closed.
func (h *reactorHandler) parseHead(rc *rconn, data []byte, p phase) {
	cn := rc.cn
	if cn == nil {
		cn = connPool.Get().(*conn)
		cn.init(rc.s, rc)
		cn.tls = rc.tlsState()
		rc.cn = cn
	}
	rest := cn.appendInput(data)
	n, err := cn.parser.Parse(cn.buf[cn.r:cn.w], &cn.head)
	next := phaseRunning
	switch {
	case err == nil:
		cn.headLen = n
	case errors.Is(err, http1parse.ErrIncomplete):
		next = phaseHead
	default:
		next = phaseEnding
	}
	if next == p && len(rest) == 0 {
		return // still an incomplete head
	}
	rc.mu.Lock()
	ok := rc.advanceLocked(next)
	if ok && next == phaseRunning {
		rc.fresh = false // later heads get ReadHeaderTimeout from their first byte
	}
	if ok && next != phaseEnding && len(rest) > 0 {
		rc.pending = appendPooled(rc.pending, rest)
	}
	rc.mu.Unlock()
	switch {
	case next == phaseRunning && ok:
		// Arm the idle deadline now, on the loop, where it costs no
		// wake-up: a request that finishes in under half of it parks
		// without touching the deadline again, so an idle connection
		// closes between IdleTimeout/2 and IdleTimeout after its last
		// request began.
		now := time.Now()
		rc.armIdleAt(now)
		cn.now = now // the Date of the requests that arrived: one clock read
		rc.reqAt = obs.At(now)
		rc.s.wg.Add(1)
		rc.s.goRequest(rc, rc.baseFor(h.base))
		// Let this P run the request at once, while its bytes are hot,
		// instead of waking another thread for it; the loop continues as
		// soon as the request goroutine blocks or ends (or another P takes
		// the loop).
		runtime.Gosched()
	case next == phaseEnding:
		if ok { // not answered by the header timeout meanwhile
			var perr *http1parse.Error
			errors.As(err, &perr)
			cn.reject(perr.Status, perr.Reason)
			rc.c.Write(cn.out)
		}
		cn.out = cn.out[:0]
		rc.lingerClose()
	}
}

func (h *reactorHandler) OnEOF(c *reactor.Conn) {
	rc := rconnOf(c)
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.eof = true
	switch rc.phase {
	case phaseHijacked:
		// The reactor tells the tcp.Conn once the hand-off takes effect.
	case phaseRunning:
		// The client left (or half-closed, which HTTP/1.1 gives no other
		// meaning): the running request's context ends, as in net/http.
		if rc.ctx != nil {
			rc.ctx.clientGone()
		}
		rc.signalLocked()
	default:
		rc.advanceLocked(phaseEnding)
		c.Close()
	}
}

func (h *reactorHandler) OnDrain(c *reactor.Conn) {
	rc := rconnOf(c)
	rc.mu.Lock()
	if rc.phase != phaseHijacked {
		rc.signalLocked()
	}
	rc.mu.Unlock()
}

// OnShutdown closes a connection between requests; a running one closes
// after its response, a hijacked one is its Handler's (see
// Server.RegisterOnShutdown).
func (h *reactorHandler) OnShutdown(c *reactor.Conn) {
	rc := rconnOf(c)
	rc.mu.Lock()
	rc.shutdown = true
	closeNow := rc.advanceLocked(phaseEnding)
	rc.mu.Unlock()
	if closeNow {
		c.Close()
	}
}

func (h *reactorHandler) OnClose(c *reactor.Conn, err error) { h.closed(rconnOf(c), err) }

// closed is OnClose for rc (also called by an upgraded connection's
// closed function: see upgraded).
func (h *reactorHandler) closed(rc *rconn, err error) {
	rc.mu.Lock()
	was := rc.phase
	rc.err = err
	rc.setPhaseLocked(phaseClosed)
	if rc.ctx != nil {
		rc.ctx.clientGone()
	}
	switch was {
	case phaseHijacked:
		// Called by the tcp.Conn's onClose (see rconn.hijack): the
		// connection was handed over, this handler gets no OnClose.
		rc.signalLocked() // a request goroutine may still be running
	case phaseRunning:
		rc.signalLocked() // the goroutine recycles cn as it lets go
	default: // the loop's: nobody else has cn
		rc.pending = releasePooled(rc.pending)
		if rc.cn != nil {
			rc.cn.recycle()
			rc.cn = nil
		}
	}
	rc.mu.Unlock()
	if was != phaseHijacked {
		rc.setState(http.StateClosed)
	}
	if rc.tl != nil {
		rc.tl.Close() // ends a handshake in progress
	}
	h.s.stats.open.Add(-1)
	if rc.tracked {
		h.untrack(rc)
	}
}

// OnReadTimeout keeps a connection whose idle deadline (armed when its
// request began) passes while the request is still being answered; it
// lets the deadline close an idle connection, a partial head, and a body
// read that is overdue.
func (h *reactorHandler) OnReadTimeout(c *reactor.Conn) bool {
	rc := rconnOf(c)
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if rc.phase == phaseRunning && !rc.reading {
		rc.stale = true // going idle arms it again
		return true
	}
	return false
}

// track records a connection served on another's reactor, so that
// Shutdown and Close reach it; it reports false once the server is
// shutting down.
func (h *reactorHandler) track(rc *rconn) bool {
	s := h.s
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.shuttingDown.Load() {
		return false
	}
	if s.rconns == nil {
		s.rconns = map[*rconn]*reactorHandler{}
	}
	s.rconns[rc] = h
	h.conns.Add(1)
	s.wg.Add(1)
	rc.tracked = true
	return true
}

func (h *reactorHandler) untrack(rc *rconn) {
	s := h.s
	s.mu.Lock()
	delete(s.rconns, rc)
	delete(s.upgraded, rc)
	s.mu.Unlock()
	h.conns.Done()
	s.wg.Done()
}
