package http1

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"runtime"
	"sync"
	"time"

	"github.com/shio-rt/shio/http1/internal/http1parse"
	"github.com/shio-rt/shio/reactor"
	"github.com/shio-rt/shio/tcp"
)

// pendingHighWater is how many received bytes a connection keeps for a
// running request before the reactor stops reading it.
const pendingHighWater = 64 << 10

// writeHighWater is how many queued response bytes make a Handler's write
// wait for the client to read.
const writeHighWater = 256 << 10

var connPool = sync.Pool{New: func() any { return new(conn) }}

// wakePool holds the wake channels of request goroutines, so that an idle
// connection holds none.
var wakePool = sync.Pool{New: func() any { return make(chan struct{}, 1) }}

// releaseWakeLocked returns rc's wake channel to the pool once no goroutine
// runs. Called with rc.mu held.
func (rc *rconn) releaseWakeLocked() {
	select {
	case <-rc.wake: // a signal nobody waited for
	default:
	}
	wakePool.Put(rc.wake)
	rc.wake = nil
}

// rconn is a connection on the reactor. While no request runs it is driven
// by the loop's callbacks and holds no goroutine and, between requests, no
// buffer (its conn goes back to a pool; only a connection with a partial
// head keeps one). Once a head is complete a goroutine runs the request (and
// any pipelined behind it) through the same conn machinery as the fallback
// path, reading body bytes that the loop hands over in pending, and ends
// when no complete request is left.
type rconn struct {
	s  *Server
	c  *reactor.Conn
	cn *conn // protocol state; nil while idle between requests

	mu sync.Mutex // guards the fields below
	// pending holds received bytes not yet taken by cn: body or pipelined
	// bytes that arrived while a request runs, or that did not fit in cn's
	// buffer behind a head.
	pending  []byte
	running  bool          // a goroutine owns cn
	wake     chan struct{} // signals the goroutine (bytes, EOF, close, drain); pooled, set while running
	paused   bool          // reading paused because pending is full
	started  bool          // the head being received has begun (header timeout armed)
	eof      bool          // the client half-closed
	shutdown bool          // the server is shutting down: close after the response
	ending   bool          // the connection is closing: ignore further bytes
	closed   bool
	err      error           // why the connection closed
	ctx      *requestContext // the running request's, ended by OnClose
	remote   string          // the client's address, once a request has needed it
	// stale reports that the idle deadline armed when the running request
	// began no longer holds (it passed while the request ran, or a body read
	// replaced it), so parking must arm it again.
	stale bool
	// reading reports that Read waits for body bytes under the body's
	// read deadline, which then closes the connection when it passes.
	reading bool
	// tracked reports that the server tracks the connection (a foreign
	// reactor's); set in OnOpen, read in OnClose, both on the loop.
	tracked bool
	// hijacked reports that a Handler hijacked the connection: it was
	// handed to a tcp.Conn (see hijack), and callbacks still running leave
	// their input to it.
	hijacked bool
	h        *reactorHandler // for OnClose after a hijack
	// hdr answers 408 when a partial head is not completed by hdrAt; it
	// exists only while a partial head waits on the loop.
	hdr   *time.Timer
	hdrAt time.Time
}

// headerGrace is how long after the header timeout the reactor's read
// deadline closes a connection whose 408 could not be sent.
const headerGrace = time.Second

// reactorHandler adapts a Server to reactor callbacks.
type reactorHandler struct {
	s    *Server
	base context.Context // the listener's base context
	// foreign reports that the reactor belongs to someone else (a tcp
	// Network): the server tracks these connections itself, in conns and
	// Server.rconns.
	foreign bool
	conns   sync.WaitGroup
}

func (h *reactorHandler) OnOpen(c *reactor.Conn) {
	s := h.s
	s.stats.accepted.Add(1)
	s.stats.open.Add(1)
	rc := &rconn{s: s, c: c, h: h}
	c.Attach(rc)
	if h.foreign && !h.track(rc) {
		c.Close() // the server is shutting down
		return
	}
	rc.armIdle()
}

func (rc *rconn) armIdle() {
	if d := timeout(rc.s.IdleTimeout, DefaultIdleTimeout); d > 0 {
		rc.c.SetReadDeadline(time.Now().Add(d))
	} else {
		rc.c.SetReadDeadline(time.Time{})
	}
}

// armHeader starts the header timeout for a partial head: when it expires
// the client gets 408 Request Timeout and the connection closes, as in
// net/http. A timer (not the reactor's read deadline, which closes without
// a word) sends the 408; the read deadline stays as a backstop. Called with
// rc.mu held.
func (rc *rconn) armHeader() {
	d := timeout(rc.s.ReadHeaderTimeout, DefaultReadHeaderTimeout)
	if d <= 0 {
		return
	}
	now := time.Now()
	rc.hdrAt = now.Add(d)
	rc.c.SetReadDeadline(rc.hdrAt.Add(headerGrace))
	if rc.hdr == nil {
		rc.hdr = time.AfterFunc(d, rc.headerExpired)
	} else {
		rc.hdr.Reset(d)
	}
}

// stopHeaderLocked stops the header timeout. Called with rc.mu held.
func (rc *rconn) stopHeaderLocked() {
	if rc.hdr != nil {
		rc.hdr.Stop()
		rc.hdr = nil
	}
}

// headerExpired answers 408 and closes the connection if its partial head
// is still incomplete. It runs on the timer's goroutine.
func (rc *rconn) headerExpired() {
	rc.mu.Lock()
	if !rc.started || rc.running || rc.ending || rc.closed || time.Now().Before(rc.hdrAt) {
		rc.mu.Unlock()
		return // completed, closed, or re-armed meanwhile
	}
	rc.ending = true
	rc.hdr = nil
	rc.mu.Unlock()
	rc.s.stats.rejected.Add(1)
	rc.c.Write(appendReject(nil, http.StatusRequestTimeout, "request head not received in time"))
	rc.c.Close()
}

func (h *reactorHandler) OnData(c *reactor.Conn, data []byte) int {
	rc := c.Attachment().(*rconn)
	rc.mu.Lock()
	if rc.hijacked {
		rc.mu.Unlock()
		return 0 // the reactor keeps it for the tcp.Conn
	}
	if rc.running {
		defer rc.mu.Unlock()
		if len(rc.pending) >= pendingHighWater {
			rc.paused = true
			c.PauseRead()
			return 0 // kept by the reactor and presented again on ResumeRead
		}
		rc.pending = appendPooled(rc.pending, data)
		rc.signal()
		return len(data)
	}
	ending := rc.ending
	rc.mu.Unlock()
	if ending {
		return len(data) // after a final response: never read as a request
	}

	// No goroutine owns the connection: parse on the loop, in the conn's
	// own buffer. What does not fit (body bytes) waits in pending.
	cn := rc.cn
	if cn == nil {
		cn = connPool.Get().(*conn)
		cn.init(rc.s, rc)
		rc.cn = cn
	}
	if rest := cn.appendInput(data); len(rest) > 0 {
		rc.mu.Lock()
		rc.pending = appendPooled(rc.pending, rest)
		rc.mu.Unlock()
	}
	n, err := cn.parser.Parse(cn.buf[cn.r:cn.w], &cn.head)
	switch {
	case err == nil:
		rc.mu.Lock()
		if rc.ending { // the header timeout answered 408 meanwhile
			rc.mu.Unlock()
			return len(data)
		}
		rc.stopHeaderLocked()
		rc.running, rc.started = true, false
		rc.wake = wakePool.Get().(chan struct{})
		rc.mu.Unlock()
		cn.headLen = n
		// Arm the idle deadline now, on the loop, where it costs no wake-up:
		// a request that finishes in under half of it parks without
		// touching the deadline again, so an idle connection closes between
		// IdleTimeout/2 and IdleTimeout after its last request began.
		rc.armIdle()
		rc.s.wg.Add(1)
		rc.s.goRequest(rc, h.base)
		// Let this P run the request at once, while its bytes are hot,
		// instead of waking another thread for it; the loop continues as
		// soon as the request goroutine blocks or ends (or another P takes
		// the loop).
		runtime.Gosched()
	case errors.Is(err, http1parse.ErrIncomplete):
		if !rc.started {
			rc.mu.Lock()
			rc.started = true
			rc.armHeader()
			rc.mu.Unlock()
		}
	default:
		var perr *http1parse.Error
		errors.As(err, &perr)
		rc.mu.Lock()
		ending := rc.ending
		rc.ending = true
		rc.stopHeaderLocked()
		rc.mu.Unlock()
		if !ending {
			cn.reject(perr.Status, perr.Reason)
			c.Write(cn.out)
		}
		cn.out = cn.out[:0]
		c.Close()
	}
	return len(data)
}

// appendInput appends as much of data to the read buffer as fits within the
// largest head and returns the rest.
func (c *conn) appendInput(data []byte) []byte {
	if c.buf == nil {
		c.buf = make([]byte, initialBuf)
	}
	for len(data) > len(c.buf)-c.w && c.makeRoom() {
	}
	n := copy(c.buf[c.w:], data)
	c.w += n
	return data[n:]
}

// signal wakes the request goroutine. Called with rc.mu held.
func (rc *rconn) signal() {
	select {
	case rc.wake <- struct{}{}:
	default:
	}
}

func (h *reactorHandler) OnEOF(c *reactor.Conn) {
	rc := c.Attachment().(*rconn)
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.eof = true
	if rc.hijacked {
		return // the reactor tells the tcp.Conn
	}
	if rc.running {
		rc.signal()
		return
	}
	c.Close()
}

func (h *reactorHandler) OnDrain(c *reactor.Conn) {
	rc := c.Attachment().(*rconn)
	rc.mu.Lock()
	if !rc.hijacked {
		rc.signal()
	}
	rc.mu.Unlock()
}

func (h *reactorHandler) OnShutdown(c *reactor.Conn) {
	rc := c.Attachment().(*rconn)
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.shutdown = true
	if rc.hijacked {
		return // the Handler's now (see Server.RegisterOnShutdown)
	}
	if !rc.running {
		c.Close()
	}
}

func (h *reactorHandler) OnClose(c *reactor.Conn, err error) {
	rc := c.Attachment().(*rconn)
	rc.mu.Lock()
	rc.closed = true
	rc.err = err
	rc.stopHeaderLocked()
	if rc.ctx != nil {
		rc.ctx.cancel(context.Canceled)
	}
	running := rc.running
	if running {
		rc.signal()
	} else {
		rc.pending = releasePooled(rc.pending)
		if rc.cn != nil {
			rc.cn.recycle()
			rc.cn = nil
		}
	}
	rc.mu.Unlock()
	h.s.stats.open.Add(-1)
	if rc.tracked {
		h.untrack(rc)
	}
}

// requestWork is what a pooled goroutine runs: the requests of one
// connection.
type requestWork struct {
	rc   *rconn
	base context.Context
}

// goRequest runs rc's requests on one of the server's warm goroutines (see
// internal/gopool): a fresh goroutine would grow its stack through the
// Handler's calls on every request.
func (s *Server) goRequest(rc *rconn, base context.Context) {
	s.poolOnce.Do(func() { s.pool.Run = func(w requestWork) { w.rc.run(w.base) } })
	s.pool.Go(requestWork{rc, base})
}

// run answers the requests that have arrived, then parks or closes.
func (rc *rconn) run(base context.Context) {
	defer rc.s.wg.Done()
	cn := rc.cn
	if rc.remote == "" {
		rc.remote = rc.c.RemoteAddr().String()
	}
	cn.remoteAddr = rc.remote
	switch cn.run(base) {
	case headClose:
		rc.mu.Lock()
		rc.ending = true
		rc.finishLocked()
		rc.mu.Unlock()
		rc.c.Close()
	case headHijacked:
		rc.mu.Lock()
		rc.finishLocked() // recycles cn if the connection has closed meanwhile
		cn, rc.cn = rc.cn, nil
		rc.mu.Unlock()
		if cn != nil {
			cn.recycle()
		}
	}
}

// hijack hands the connection to a tcp.Conn for a Handler that takes it
// over: the bytes received and not yet read (after the head, or already
// pending) go to it first, and tcp.Adopt hands the reactor connection to
// it (reactor.Conn.Handoff); its OnClose still reaches this handler.
func (rc *rconn) hijack(cn *conn) (net.Conn, error) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if rc.closed {
		if rc.err != nil {
			return nil, rc.err
		}
		return nil, reactor.ErrClosed
	}
	unread := append(cn.buf[cn.r:cn.w:cn.w], rc.pending...)
	tc, err := tcp.Adopt(rc.c, unread, func(err error) { rc.h.OnClose(rc.c, err) })
	if err != nil {
		return nil, err
	}
	cn.r = cn.w
	rc.pending = releasePooled(rc.pending)
	rc.hijacked = true
	rc.stopHeaderLocked()
	return tc, nil
}

// begin makes ctx the running request's context, ended at once if the
// connection has closed.
func (rc *rconn) begin(ctx *requestContext) {
	rc.mu.Lock()
	rc.ctx = ctx
	closed := rc.closed
	rc.mu.Unlock()
	if closed {
		ctx.cancel(context.Canceled)
	}
}

// end ends the running request's context.
func (rc *rconn) end(ctx *requestContext) {
	rc.mu.Lock()
	rc.ctx = nil
	rc.mu.Unlock()
	ctx.cancel(context.Canceled)
}

// OnReadTimeout keeps a connection whose idle deadline (armed when its
// request began) passes while the request is still being answered; it
// lets the deadline close an idle connection, a partial head, and a body
// read that is overdue.
func (h *reactorHandler) OnReadTimeout(c *reactor.Conn) bool {
	rc := c.Attachment().(*rconn)
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if rc.running && !rc.reading && !rc.closed && !rc.hijacked {
		rc.stale = true // parking arms it again
		return true
	}
	return false
}

// finishLocked ends the goroutine's ownership of the connection.
func (rc *rconn) finishLocked() {
	rc.stale = false
	rc.running = false
	rc.releaseWakeLocked()
	if rc.paused {
		rc.paused = false
		rc.c.ResumeRead()
	}
	if rc.closed {
		rc.pending = releasePooled(rc.pending)
		rc.cn.recycle()
		rc.cn = nil
	}
}

// more moves received bytes into cn's buffer (got true) or, with none
// left, parks the connection (headPark) or reports that it must close
// (headClose). It runs on the request goroutine.
func (rc *rconn) more(cn *conn) (got bool, result int) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if len(rc.pending) > 0 {
		rc.moveLocked(cn)
		return true, 0
	}
	if rc.closed || rc.eof || rc.shutdown || rc.s.shuttingDown.Load() {
		return false, headClose
	}
	// Park. A partial head stays in cn's buffer (the parser resumes on it);
	// an idle connection gives cn, buffers and all, back to the pool.
	stale := rc.stale
	rc.stale = false
	rc.running = false
	rc.releaseWakeLocked()
	if cn.r < cn.w {
		rc.started = true
		rc.armHeader()
	} else {
		rc.cn = nil
		cn.recycle()
		rc.started = false
		if stale {
			rc.armIdle()
		}
	}
	if rc.paused {
		rc.paused = false
		rc.c.ResumeRead()
	}
	return false, headPark
}

// moveLocked copies pending bytes to the end of cn's buffer.
func (rc *rconn) moveLocked(cn *conn) {
	if cn.r == cn.w {
		cn.r, cn.w = 0, 0
	}
	if cn.w == len(cn.buf) && !cn.makeRoom() {
		return // the head overflows the limits; the parser reports it
	}
	n := copy(cn.buf[cn.w:], rc.pending)
	cn.w += n
	rc.pending = rc.pending[n:]
	if len(rc.pending) == 0 {
		rc.pending = releasePooled(rc.pending)
	}
	if rc.paused && len(rc.pending) < pendingHighWater/2 {
		rc.paused = false
		rc.c.ResumeRead()
	}
}

// Read is the request goroutine's blocking read of body bytes.
func (rc *rconn) Read(p []byte) (int, error) {
	armed := false
	defer func() {
		if armed {
			rc.mu.Lock()
			rc.stale, rc.reading = true, false
			rc.mu.Unlock()
			rc.c.SetReadDeadline(time.Time{})
		}
	}()
	for {
		rc.mu.Lock()
		if len(rc.pending) > 0 {
			n := copy(p, rc.pending)
			rc.pending = rc.pending[n:]
			if len(rc.pending) == 0 {
				rc.pending = releasePooled(rc.pending)
			}
			if rc.paused && len(rc.pending) < pendingHighWater/2 {
				rc.paused = false
				rc.c.ResumeRead()
			}
			rc.mu.Unlock()
			return n, nil
		}
		closed, eof, err := rc.closed, rc.eof, rc.err
		rc.mu.Unlock()
		switch {
		case closed && err != nil:
			return 0, err
		case closed:
			return 0, reactor.ErrClosed
		case eof:
			return 0, io.EOF
		}
		if !armed && rc.cn.readFor > 0 {
			armed = true
			rc.mu.Lock()
			rc.reading = true
			rc.mu.Unlock()
			rc.c.SetReadDeadline(time.Now().Add(rc.cn.readFor))
		}
		<-rc.wake
	}
}

// Write queues p on the connection, waiting while the client is more than
// writeHighWater bytes behind.
func (rc *rconn) Write(p []byte) (int, error) {
	n, err := rc.c.Write(p)
	if err != nil {
		return n, err
	}
	if rc.c.Buffered() <= writeHighWater {
		return n, nil
	}
	if rc.cn.writeFor > 0 {
		rc.c.SetWriteDeadline(time.Now().Add(rc.cn.writeFor))
	}
	for rc.c.Buffered() > writeHighWater/2 {
		rc.mu.Lock()
		closed, err := rc.closed, rc.err
		rc.mu.Unlock()
		if closed {
			if err == nil {
				err = reactor.ErrClosed
			}
			return n, err
		}
		<-rc.wake
	}
	return n, nil
}

// Close closes the connection gracefully after its queued output.
func (rc *rconn) Close() error { return rc.c.Close() }

// SetReadDeadline is not used on the reactor: conn records a timeout in
// readFor instead, armed only while Read waits.
func (rc *rconn) SetReadDeadline(time.Time) error { return nil }

// SetWriteDeadline is not used on the reactor: conn records a timeout in
// writeFor instead, armed only while Write waits for the client.
func (rc *rconn) SetWriteDeadline(time.Time) error { return nil }

// init readies a pooled conn for a reactor connection.
func (c *conn) init(s *Server, rc *rconn) {
	c.srv, c.rwc, c.rc = s, rc, rc
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
	c.r, c.w, c.headLen, c.werr, c.mustClose, c.hijacked, c.remoteAddr = 0, 0, 0, nil, false, false, ""
	c.readFor, c.writeFor = 0, 0
	c.resp.req, c.resp.c = nil, nil
	c.head = http1parse.Request{}
	connPool.Put(c)
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

func appendPooled(dst, src []byte) []byte {
	if dst == nil && len(src) <= initialBuf {
		dst = (*bufPool.Get().(*[]byte))[:0]
	}
	return append(dst, src...)
}

func releasePooled(b []byte) []byte {
	if b != nil && cap(b) == initialBuf {
		b = b[:cap(b)]
		bufPool.Put(&b)
	}
	return nil
}
