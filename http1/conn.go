package http1

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net/http"
	"runtime/debug"
	"sync"
	"time"

	"github.com/shio-rt/shio/http1/internal/http1parse"
)

const (
	initialBuf = 4 << 10  // read and write buffers start at this size
	maxPooled  = 64 << 10 // larger buffers are left to the GC
	maxDrain   = 256 << 10
)

var bufPool = sync.Pool{New: func() any { b := make([]byte, initialBuf); return &b }}

// appendPooled appends src to dst, taking dst's buffer from the pool when
// src fits in one.
func appendPooled(dst, src []byte) []byte {
	if dst == nil && len(src) <= initialBuf {
		dst = (*bufPool.Get().(*[]byte))[:0]
	}
	return append(dst, src...)
}

// releasePooled returns b's buffer to the pool if it came from there.
func releasePooled(b []byte) []byte {
	if b != nil && cap(b) == initialBuf {
		box := b[:cap(b)] // declared here, so that only a Put allocates it
		bufPool.Put(&box)
	}
	return nil
}

// conn is one client connection's HTTP/1.1 machinery, the same on both
// paths: a read buffer fed by the transport, the parser state, the
// response writer and the pending output. It is used by one goroutine at a
// time: the one running its requests (on the reactor, the loop while no
// request runs; see rconn for the hand-over).
type conn struct {
	srv        *Server
	rwc        transport // an *rconn or a *netConn
	remoteAddr string
	headLen    int // a head already parsed (by the reactor loop) at buf[r:]

	buf    []byte // read buffer: buf[r:w] is received and not yet consumed
	r, w   int
	parser http1parse.Parser
	head   http1parse.Request
	chunk  http1parse.Chunked

	out []byte // response bytes not yet written
	// upgraded: Upgrade handed the connection to another protocol's
	// handler; the request goroutine lets go of it (rconn.run).
	upgraded *upgraded
	// now is when the requests being answered arrived, read once for all
	// of them by whoever handed them over (the reactor's loop reads the
	// clock for the idle deadline anyway), for the Date of their
	// responses; zero (read the clock at each head) after any output is
	// written or body bytes are waited for, so a Date is never older than
	// the pass of pipelined requests it answers.
	now   time.Time
	werr  error // first write error; the connection is done after it
	resp  response
	sniff sniffMemo // the last Content-Type detected on this conn
	memo  *headMemo // the last head's strings, for the next one to reuse (taken from memoPool by init; given back at Hijack)

	mustClose bool                 // the current request leaves the connection unusable
	hijacked  bool                 // the Handler took the connection (see response.Hijack)
	tls       *tls.ConnectionState // fallback path over TLS: Request.TLS

	// Deadlines the Handler set for this request through
	// http.ResponseController, in place of ReadTimeout and WriteTimeout;
	// the zero time means none.
	readAt, writeAt   time.Time
	readSet, writeSet bool
}

// newConn returns a conn for a fallback-path connection.
func newConn(s *Server, t *netConn) *conn {
	c := new(conn)
	c.init(s, t)
	return c
}

// init readies a new or pooled conn for a connection with transport t.
func (c *conn) init(s *Server, t transport) {
	c.srv, c.rwc = s, t
	if c.memo == nil {
		// A hijacked connection's memo and parser storage, if the pool
		// has one (else a new, empty memo).
		c.memo = memoPool.Get().(*headMemo)
		c.parser.Unstash(&c.memo.parse)
	}
	c.parser.Limits = s.limits()
	c.chunk.MaxTrailerBytes = s.MaxHeaderBytes
}

// recycle returns a reactor connection's conn, with its buffers, to the
// pool.
func (c *conn) recycle() {
	if cap(c.buf) > maxPooled {
		c.buf = nil
	}
	if cap(c.out) > maxPooled {
		c.out = nil
	}
	c.out = c.out[:0]
	c.parser.Reset()
	c.r, c.w, c.headLen, c.werr, c.mustClose, c.hijacked, c.remoteAddr, c.now = 0, 0, 0, nil, false, false, "", time.Time{}
	c.resp.req, c.resp.c = nil, nil
	c.upgraded = nil
	c.head = http1parse.Request{}
	connPool.Put(c)
}

// releaseHead gives the head's memo and the parser's storage to memoPool,
// for a conn that parses no more heads (its connection was hijacked).
func (c *conn) releaseHead() {
	c.head = http1parse.Request{} // its Fields share the parser's storage
	if c.memo == nil {
		c.parser = http1parse.Parser{Limits: c.parser.Limits}
		return
	}
	c.parser.Stash(&c.memo.parse)
	memoPool.Put(c.memo)
	c.memo = nil
}

// releaseBuffers returns the read and write buffers to the pool.
func (c *conn) releaseBuffers() {
	if c.buf != nil && cap(c.buf) <= maxPooled {
		b := c.buf[:cap(c.buf)]
		bufPool.Put(&b)
	}
	if c.out != nil && cap(c.out) <= maxPooled {
		b := c.out[:cap(c.out)]
		bufPool.Put(&b)
	}
	c.buf, c.out = nil, nil
}

// appendInput appends as much of data to the read buffer as fits within the
// largest head and returns the rest.
func (c *conn) appendInput(data []byte) []byte {
	if c.buf == nil {
		// From the pool, where a hijacked connection's buffer went.
		b := *bufPool.Get().(*[]byte)
		c.buf = b[:cap(b)]
	}
	for len(data) > len(c.buf)-c.w && c.makeRoom() {
	}
	n := copy(c.buf[c.w:], data)
	c.w += n
	return data[n:]
}

// run answers requests until the connection must close, a Handler
// hijacks it, or, on the reactor, no complete request is left.
func (c *conn) run(ctx context.Context) runResult {
	for {
		switch c.readHead() {
		case headClose:
			c.flush()
			return runClose
		case headPark:
			return runPark
		}
		if !c.serveRequest(ctx) {
			if c.hijacked {
				return runHijacked
			}
			c.flush()
			return runClose
		}
		// Pipelined requests already received are answered before the
		// responses are written, in one write.
		if c.r == c.w && !c.flush() {
			return runClose
		}
	}
}

// maxBuf is the largest read buffer a request head may need.
func (c *conn) maxBuf() int {
	l := c.parser.Limits
	line := max(l.MaxRequestLine, http1parse.DefaultMaxRequestLine)
	return 2*line + max(l.MaxHeaderBytes, http1parse.DefaultMaxHeaderBytes) + 64
}

// readHead parses c.buf, and asks the transport for more bytes, until
// c.head holds the next request head (headReady). On headClose any error
// response is already queued.
func (c *conn) readHead() headResult {
	if c.headLen > 0 {
		c.r += c.headLen
		c.headLen = 0
		return headReady
	}
	if c.r < c.w {
		c.rwc.pipelined(c) // the previous request's bytes brought this one's
	}
	for first := true; ; first = false {
		if c.r < c.w {
			n, err := c.parser.Parse(c.buf[c.r:c.w], &c.head)
			if err == nil {
				c.r += n
				return headReady
			}
			var perr *http1parse.Error
			if errors.As(err, &perr) {
				c.reject(perr.Status, perr.Reason)
				return headClose
			}
		}
		if r := c.rwc.fillHead(c, first); r != headMore {
			return r
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
	c.now = time.Time{}
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
// through http.ResponseController) or ReadTimeout.
func (c *conn) armBodyRead() {
	if c.readSet {
		c.rwc.readDeadline(c.readAt)
	} else {
		c.rwc.readTimeout(timeout(c.srv.ReadTimeout, DefaultReadTimeout))
	}
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
	c.now = time.Time{}
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

// write writes the pending output and then p, which it does not copy: on
// a socket, with one writev(2) while the socket takes them.
func (c *conn) write(p []byte) error {
	if c.werr != nil {
		return c.werr
	}
	c.armWrite()
	_, c.werr = c.rwc.writev(c.out, p)
	c.out = c.out[:0]
	if cap(c.out) > maxPooled {
		c.out = nil
	}
	return c.werr
}

func (c *conn) writeTimed(p []byte) (int, error) {
	c.armWrite()
	return c.rwc.Write(p)
}

// armWrite sets the deadline of a write: the Handler's own (set through
// http.ResponseController) or WriteTimeout.
func (c *conn) armWrite() {
	if c.writeSet {
		c.rwc.writeDeadline(c.writeAt)
	} else {
		c.rwc.writeTimeout(timeout(c.srv.WriteTimeout, DefaultWriteTimeout))
	}
}

// serveRequest runs the Handler for c.head, with a context derived from
// parent, and reports whether the connection may carry another request.
func (c *conn) serveRequest(parent context.Context) bool {
	s := c.srv
	c.mustClose = false
	c.readSet, c.writeSet = false, false
	st, values := newRequestState(len(c.head.Fields))
	ctx := &st.ctx
	ctx.parent = parent
	req, err := c.newRequest(ctx, st, values)
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
		w.body = b
	}
	c.rwc.begin(ctx)
	if req.Body == http.NoBody {
		c.rwc.watchPeer(c, ctx)
	}
	ok := c.runHandler(w, req)
	c.rwc.end(ctx)
	if !ok || c.hijacked {
		return false
	}
	// w.body, not req.Body: the Handler may have replaced req.Body.
	if b := w.body; b != nil && !w.committed && !b.willClose() {
		// Read the rest of the body before the head, so that the head
		// says Connection: close if the connection cannot carry another
		// request after all.
		b.discard()
	}
	w.finish()
	if b := w.body; b != nil {
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
		if v != http.ErrAbortHandler {
			switch s := c.srv; {
			case s.OnPanic != nil:
				s.OnPanic(req, v, debug.Stack())
			case s.ErrorLog != nil:
				s.ErrorLog.Printf("http1: panic serving %s: %v\n%s", c.remoteAddr, v, debug.Stack())
			}
		}
		if v != http.ErrAbortHandler && !w.committed {
			c.out = c.out[:w.outStart]
			c.mustClose = true // a panic is counted in Panics, not Rejected
			c.out = appendReject(c.out, http.StatusInternalServerError, "")
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
	c.out = appendDateAt(c.out, c.now)
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
