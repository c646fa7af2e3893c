package http1

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"net/http"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"github.com/shio-rt/shio/http1/internal/http1parse"
)

// Connection states, for Shutdown: only an idle connection may be closed
// under a client's feet.
const (
	stateActive int32 = iota // reading or answering a request
	stateIdle                // waiting for the first byte of a request
	stateClosed
)

const (
	initialBuf = 4 << 10  // read and write buffers start at this size
	maxPooled  = 64 << 10 // larger buffers are left to the GC
	maxDrain   = 256 << 10
)

var bufPool = sync.Pool{New: func() any { b := make([]byte, initialBuf); return &b }}

// transport is what a connection reads and writes: a net.Conn on the
// fallback path, an *rconn on the reactor.
type transport interface {
	Read(p []byte) (int, error)
	Write(p []byte) (int, error)
	Close() error
	SetReadDeadline(t time.Time) error
	SetWriteDeadline(t time.Time) error
}

// Results of readHead.
const (
	headOK       = iota // c.head holds the next request
	headClose           // the connection must close (an error response may be queued)
	headPark            // reactor only: no complete head; the goroutine ends, the connection stays
	headHijacked        // a Handler took the connection over: leave it alone
)

// conn is one client connection: a read buffer fed by the transport, the
// parser state, and the pending output. It is used by one goroutine at a
// time: the one running its requests (on the reactor, the loop while no
// request runs).
type conn struct {
	srv        *Server
	rwc        transport
	rc         *rconn // the reactor side, or nil on the fallback path
	remoteAddr string
	state      atomic.Int32
	headLen    int // a head already parsed (by the reactor loop) at buf[r:]

	buf    []byte // read buffer: buf[r:w] is received and not yet consumed
	r, w   int
	parser http1parse.Parser
	head   http1parse.Request
	chunk  http1parse.Chunked

	out   []byte // response bytes not yet written
	werr  error  // first write error; the connection is done after it
	resp  response
	sniff sniffMemo // the last Content-Type detected on this conn

	mustClose bool                 // the current request leaves the connection unusable
	hijacked  bool                 // the Handler took the connection (see response.Hijack)
	tls       *tls.ConnectionState // fallback path over TLS: Request.TLS

	// Deadlines the Handler set for this request through
	// http.ResponseController, in place of ReadTimeout and WriteTimeout;
	// the zero time means none.
	readAt, writeAt   time.Time
	readSet, writeSet bool

	// Reactor only: how long rconn's Read and Write may wait for the
	// client, counted from when a wait begins (so that the common write
	// that never waits costs no clock reading).
	readFor, writeFor time.Duration
}

func newConn(s *Server, rwc transport) *conn {
	c := &conn{srv: s, rwc: rwc}
	c.parser.Limits = s.limits()
	c.chunk.MaxTrailerBytes = s.MaxHeaderBytes
	return c
}

// serve runs a fallback-path connection until it closes.
func (c *conn) serve(base context.Context, nc net.Conn) {
	s := c.srv
	s.stats.open.Add(1)
	defer func() {
		c.state.Store(stateClosed)
		if !c.hijacked {
			c.rwc.Close()
		}
		c.release()
		s.stats.open.Add(-1)
		s.trackConn(c, false)
	}()
	c.remoteAddr = nc.RemoteAddr().String()
	ctx, cancel := context.WithCancel(context.WithValue(base, http.LocalAddrContextKey, nc.LocalAddr()))
	defer cancel()
	if tc, ok := nc.(*tls.Conn); ok && !c.handshake(ctx, tc) {
		return
	}
	c.buf = *bufPool.Get().(*[]byte)
	c.run(ctx)
}

// handshake completes a TLS handshake within ReadHeaderTimeout, as net/http
// does, and records the connection state for Request.TLS.
func (c *conn) handshake(ctx context.Context, tc *tls.Conn) bool {
	if d := timeout(c.srv.ReadHeaderTimeout, DefaultReadHeaderTimeout); d > 0 {
		tc.SetDeadline(time.Now().Add(d))
	}
	if err := tc.HandshakeContext(ctx); err != nil {
		c.srv.stats.rejected.Add(1)
		return false
	}
	tc.SetDeadline(time.Time{})
	state := tc.ConnectionState()
	c.tls = &state
	return true
}

// run answers requests until the connection must close (it returns
// headClose) or, on the reactor, has no complete request left (headPark).
func (c *conn) run(ctx context.Context) int {
	for {
		if r := c.readHead(); r != headOK {
			if r == headClose {
				c.flush()
			}
			return r
		}
		if !c.serveRequest(ctx) {
			if c.hijacked {
				return headHijacked
			}
			c.flush()
			return headClose
		}
		// Pipelined requests already received are answered before the
		// responses are written, in one write.
		if c.r == c.w && !c.flush() {
			return headClose
		}
	}
}

func (c *conn) release() { c.releaseBuffers() }

// maxBuf is the largest read buffer a request head may need.
func (c *conn) maxBuf() int {
	l := c.parser.Limits
	line := max(l.MaxRequestLine, http1parse.DefaultMaxRequestLine)
	return 2*line + max(l.MaxHeaderBytes, http1parse.DefaultMaxHeaderBytes) + 64
}

// readHead reads until c.head holds the next request head (headOK). On
// headClose any error response is already queued.
func (c *conn) readHead() int {
	s := c.srv
	if c.headLen > 0 {
		c.r += c.headLen
		c.headLen = 0
		return headOK
	}
	started := false
	for {
		if c.r < c.w {
			n, err := c.parser.Parse(c.buf[c.r:c.w], &c.head)
			if err == nil {
				c.r += n
				return headOK
			}
			var perr *http1parse.Error
			if errors.As(err, &perr) {
				c.reject(perr.Status, perr.Reason)
				return headClose
			}
		}
		if c.rc != nil {
			// Responses to requests already answered go out before the
			// connection waits (or parks) for more bytes.
			if !c.flush() {
				return headClose
			}
			if got, r := c.rc.more(c); !got {
				return r
			}
			continue
		}
		idle := c.r == c.w
		if idle {
			c.r, c.w = 0, 0
			c.parser.Reset()
			if s.shuttingDown.Load() || !c.state.CompareAndSwap(stateActive, stateIdle) {
				return headClose
			}
			c.setReadDeadline(timeout(s.IdleTimeout, DefaultIdleTimeout))
		} else if c.w == len(c.buf) {
			if !c.makeRoom() {
				c.reject(431, "request head too large")
				return headClose
			}
		}
		n, err := c.rwc.Read(c.buf[c.w:])
		if idle && !c.state.CompareAndSwap(stateIdle, stateActive) {
			return headClose // Shutdown closed the idle connection
		}
		c.w += n
		if n > 0 && !started {
			started = true
			c.setReadDeadline(timeout(s.ReadHeaderTimeout, DefaultReadHeaderTimeout))
		}
		if err != nil {
			if c.r < c.w {
				if _, perr := c.parser.Parse(c.buf[c.r:c.w], &c.head); perr == nil {
					continue // the head is complete after all
				}
				var ne net.Error
				if errors.As(err, &ne) && ne.Timeout() {
					c.reject(http.StatusRequestTimeout, "request head not received in time")
				}
			}
			return headClose
		}
	}
}

// makeRoom moves unconsumed bytes to the front of the buffer or grows it, and
// reports whether there is room to read into.
func (c *conn) makeRoom() bool {
	if c.r > 0 {
		c.w = copy(c.buf, c.buf[c.r:c.w])
		c.r = 0
		return true
	}
	if len(c.buf) >= c.maxBuf() {
		return false
	}
	nb := make([]byte, min(2*len(c.buf), c.maxBuf()))
	copy(nb, c.buf[:c.w])
	if cap(c.buf) <= maxPooled {
		b := c.buf[:cap(c.buf)]
		bufPool.Put(&b)
	}
	c.buf = nb
	return true
}

// fill reads more bytes for a request body, with the body read timeout.
func (c *conn) fill() error {
	if c.r == c.w {
		c.r, c.w = 0, 0
	} else if c.w == len(c.buf) {
		c.makeRoom()
	}
	c.armBodyRead()
	n, err := c.rwc.Read(c.buf[c.w:])
	c.w += n
	if n > 0 {
		return nil
	}
	if err == io.EOF || err == nil {
		err = io.ErrUnexpectedEOF
	}
	return err
}

// armBodyRead sets the deadline of a body read: the Handler's own (set
// through http.ResponseController) or ReadTimeout from now.
func (c *conn) armBodyRead() {
	if !c.readSet {
		c.setReadDeadline(timeout(c.srv.ReadTimeout, DefaultReadTimeout))
	} else if c.rc != nil {
		c.readFor = until(c.readAt)
	} else {
		c.rwc.SetReadDeadline(c.readAt)
	}
}

// until returns the time left until t as a timeout for rconn's waits: 0
// (none) for the zero t, at least a nanosecond for a t already past.
func until(t time.Time) time.Duration {
	if t.IsZero() {
		return 0
	}
	return max(time.Until(t), 1)
}

func (c *conn) setReadDeadline(d time.Duration) {
	if c.rc != nil {
		c.readFor = d
		return
	}
	var t time.Time
	if d > 0 {
		t = time.Now().Add(d)
	}
	c.rwc.SetReadDeadline(t)
}

// reject queues an error response that closes the connection.
func (c *conn) reject(status int, reason string) {
	c.srv.stats.rejected.Add(1)
	c.mustClose = true
	c.out = appendReject(c.out, status, reason)
}

// appendReject appends a complete error response with "Connection: close".
func appendReject(b []byte, status int, reason string) []byte {
	b = appendStatusLine(b, status)
	b = append(b, "Content-Type: text/plain; charset=utf-8\r\nConnection: close\r\n"...)
	b = appendDate(b)
	body := http.StatusText(status)
	if reason != "" {
		body += ": " + reason
	}
	b = append(b, "Content-Length: "...)
	b = appendInt(b, int64(len(body)+1))
	b = append(b, "\r\n\r\n"...)
	b = append(b, body...)
	return append(b, '\n')
}

// flush writes the pending output and reports whether the connection is
// still writable.
func (c *conn) flush() bool {
	if c.werr != nil {
		return false
	}
	if len(c.out) == 0 {
		return true
	}
	_, c.werr = c.writeTimed(c.out)
	c.out = c.out[:0]
	if cap(c.out) > maxPooled {
		c.out = nil
	}
	return c.werr == nil
}

// write writes p directly after the pending output.
func (c *conn) write(p []byte) error {
	if !c.flush() {
		return c.werr
	}
	_, c.werr = c.writeTimed(p)
	return c.werr
}

func (c *conn) writeTimed(p []byte) (int, error) {
	c.armWrite()
	return c.rwc.Write(p)
}

// armWrite sets the deadline of a write: the Handler's own (set through
// http.ResponseController) or WriteTimeout from now. On the reactor it is
// only recorded, and armed if the write has to wait.
func (c *conn) armWrite() {
	switch d := timeout(c.srv.WriteTimeout, DefaultWriteTimeout); {
	case c.writeSet && c.rc != nil:
		c.writeFor = until(c.writeAt)
	case c.writeSet:
		c.rwc.SetWriteDeadline(c.writeAt)
	case c.rc != nil:
		c.writeFor = d
	case d > 0:
		c.rwc.SetWriteDeadline(time.Now().Add(d))
	}
}

// serveRequest runs the Handler for c.head, with a context derived from
// parent, and reports whether the connection may carry another request.
func (c *conn) serveRequest(parent context.Context) bool {
	s := c.srv
	c.mustClose = false
	c.readSet, c.writeSet = false, false
	st := new(requestState)
	ctx := &st.ctx
	ctx.parent = parent
	if c.rc != nil {
		ctx.local = c.rc.c // on the fallback path serve put it in parent
	}
	req, err := c.newRequest(ctx, st)
	if err != nil {
		c.reject(http.StatusBadRequest, "malformed request target")
		return false
	}
	switch {
	case req.Method == "CONNECT":
		c.reject(http.StatusNotImplemented, "CONNECT is not supported")
		return false
	case caseVariant(req.Method):
		c.reject(http.StatusNotImplemented, "unknown method (methods are case-sensitive)")
		return false
	}
	if max := bodyLimit(s.MaxBodyBytes); max >= 0 && req.ContentLength > max {
		c.reject(http.StatusRequestEntityTooLarge, "body larger than the server accepts")
		return false
	}
	s.stats.requests.Add(1)
	if req.Method == "OPTIONS" && req.RequestURI == "*" {
		return c.optionsAsterisk(req)
	}
	w := &c.resp
	w.reset(c, req)
	if b, ok := req.Body.(*body); ok {
		b.w = w
	}
	if c.rc != nil {
		c.rc.begin(ctx)
	}
	ok := c.runHandler(w, req)
	if c.rc != nil {
		c.rc.end(ctx)
	} else {
		ctx.cancel(context.Canceled)
	}
	if !ok || c.hijacked {
		return false
	}
	w.finish()
	if b, ok := req.Body.(*body); ok {
		b.handlerDone = true
		if !b.drain() {
			c.mustClose = true
		}
	}
	return c.head.KeepAlive && !c.mustClose && !w.closeAfter && c.werr == nil && s.keepAlive()
}

// runHandler calls the Handler and turns a panic into a 500 (when nothing
// was sent yet) and a closed connection. It reports whether the Handler
// returned normally.
func (c *conn) runHandler(w *response, req *http.Request) (ok bool) {
	defer func() {
		if ok {
			return
		}
		v := recover()
		c.srv.stats.panics.Add(1)
		if v != http.ErrAbortHandler && c.srv.OnPanic != nil {
			c.srv.OnPanic(req, v, debug.Stack())
		}
		if v != http.ErrAbortHandler && !w.committed {
			c.out = c.out[:w.outStart]
			c.reject(http.StatusInternalServerError, "")
		}
	}()
	c.srv.handler().ServeHTTP(w, req)
	return true
}

func bodyLimit(n int64) int64 {
	switch {
	case n < 0:
		return -1
	case n == 0:
		return DefaultMaxBodyBytes
	}
	return n
}

// optionsAsterisk answers "OPTIONS *" itself, as net/http does: 200 with
// an empty body, since a Handler routes paths and "*" is none. It reports
// whether the connection may carry another request.
func (c *conn) optionsAsterisk(req *http.Request) bool {
	keep := c.head.KeepAlive && req.Body == http.NoBody && c.srv.keepAlive()
	c.out = appendStatusLine(c.out, http.StatusOK)
	c.out = appendDate(c.out)
	c.out = append(c.out, "Content-Length: 0\r\n"...)
	switch {
	case !keep:
		c.out = append(c.out, "Connection: close\r\n"...)
	case c.head.Minor == 0:
		c.out = append(c.out, "Connection: keep-alive\r\n"...)
	}
	c.out = append(c.out, "\r\n"...)
	return keep
}
