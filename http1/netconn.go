package http1

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/shio-rt/shio/internal/obs"
	"github.com/shio-rt/shio/reactor"
)

// netConn is the fallback path's [transport]: a net.Conn from a listener
// other than a *net.TCPListener or a shio tcp.Listener (TLS, in-memory
// pipes), served by a goroutine of its own as net/http does. Its deadlines
// are the net.Conn's own.
type netConn struct {
	net.Conn
	// state says whether the connection is idle, for Shutdown, which may
	// close only an idle connection under a client's feet.
	state atomic.Int32
	// watch ends a running request's context if the client leaves while
	// nobody reads (netconn_watch.go).
	watch peerWatch
	// served: a request has begun; until then ReadHeaderTimeout runs
	// from the accept, as in net/http.
	served bool
	// readAt is the read deadline last set, which the watch's own
	// deadline replaces and stopWatch restores.
	readAt time.Time

	// For Server.Conns and the collector: when the connection was
	// accepted and when the bytes of the request being read arrived (obs
	// Now readings); while a Handler runs, its request's arrival (running,
	// 0 between requests) and its task; the requests begun.
	opened, reqAt int64
	running       atomic.Int64
	task          atomic.Pointer[obs.Task]
	requests      atomic.Int64
}

// States of a netConn.
const (
	stateActive int32 = iota // reading or answering a request
	stateIdle                // waiting for the first byte of a request
	stateClosed
)

// tryRead cannot read without waiting on a net.Conn: it reads nothing.
func (t *netConn) tryRead([]byte) (int, error) { return 0, nil }

func (t *netConn) writev(head, p []byte) (int, error) {
	if len(head) == 0 {
		return t.Write(p)
	}
	bufs := net.Buffers{head, p} // writev(2) on a *net.TCPConn
	n, err := bufs.WriteTo(t.Conn)
	return max(int(n)-len(head), 0), err
}

func (t *netConn) readTimeout(d time.Duration) {
	var at time.Time
	if d > 0 {
		at = time.Now().Add(d)
	}
	t.readDeadline(at)
}

func (t *netConn) readDeadline(at time.Time) {
	t.readAt = at
	t.SetReadDeadline(at)
}

func (t *netConn) writeTimeout(d time.Duration) {
	if d > 0 {
		t.SetWriteDeadline(time.Now().Add(d))
	}
}

func (t *netConn) writeDeadline(at time.Time) { t.SetWriteDeadline(at) }

// fillHead reads once from the connection. Between requests (nothing left
// in c.buf) the connection is idle: Shutdown may close it, and the read
// waits up to IdleTimeout; from the head's first byte ReadHeaderTimeout
// runs. A head still incomplete when the read fails gets 408 if the read
// timed out. Responses to the requests answered go out before the read
// (with part of the next head received, the client may wait for them
// before sending the rest).
func (t *netConn) fillHead(c *conn, first bool) headResult {
	if !c.flush() {
		return headClose
	}
	s := c.srv
	idle := c.r == c.w
	if idle {
		c.r, c.w = 0, 0
		c.parser.Reset()
		if s.shuttingDown.Load() || !t.state.CompareAndSwap(stateActive, stateIdle) {
			return headClose
		}
		if t.served {
			t.setState(s, http.StateIdle)
			t.readTimeout(timeout(s.IdleTimeout, DefaultIdleTimeout))
		} else if t.readAt.IsZero() {
			t.readTimeout(timeout(s.ReadHeaderTimeout, DefaultReadHeaderTimeout))
		}
	} else if c.w == len(c.buf) {
		if !c.makeRoom() {
			c.reject(http.StatusRequestHeaderFieldsTooLarge, "request head too large")
			return headClose
		}
	}
	n, err := t.Read(c.buf[c.w:])
	if idle && !t.state.CompareAndSwap(stateIdle, stateActive) {
		return headClose // Shutdown closed the idle connection
	}
	if idle && n > 0 {
		t.setState(s, http.StateActive)
		// The clock read for the Date of the responses (as on the
		// reactor path, once for the requests read together), and the
		// request's arrival for its age and its task.
		c.now = time.Now()
		t.reqAt = obs.At(c.now)
	}
	c.w += n
	if n > 0 && first && t.served {
		t.readTimeout(timeout(s.ReadHeaderTimeout, DefaultReadHeaderTimeout))
	}
	if err == nil {
		return headMore
	}
	if c.r < c.w {
		if _, perr := c.parser.Parse(c.buf[c.r:c.w], &c.head); perr == nil {
			return headMore // the head is complete after all
		}
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			c.reject(http.StatusRequestTimeout, "request head not received in time")
		}
	}
	return headClose
}

// begin leaves ctx's LocalAddr to its parent, where conn.serve put it,
// and records the request (its task, see beginTask) for Server.Conns.
func (t *netConn) begin(ctx *requestContext) {
	t.served = true
	beginTask(ctx, t.reqAt)
	t.task.Store(ctx.task.Recorded())
	t.running.Store(max(t.reqAt, 1))
	t.requests.Add(1)
}

func (t *netConn) end(ctx *requestContext) {
	t.stopWatch()
	t.running.Store(0)
	t.task.Store(nil)
	endTask(ctx)
	ctx.cancel(context.Canceled)
}

// describe returns t's view for Server.Conns, at now (an obs.Now reading).
func (t *netConn) describe(now int64) reactor.ConnInfo {
	info := reactor.ConnInfo{Loop: -1, State: "open", Proto: "http/1.1", Phase: "idle",
		Age: time.Duration(max(now-t.opened, 0)), Requests: t.requests.Load()}
	if a := t.RemoteAddr(); a != nil {
		info.Remote = a.String()
	}
	if _, ok := t.Conn.(*tls.Conn); ok {
		info.Proto = "https/1.1"
	}
	switch st := t.state.Load(); {
	case st == stateClosed:
		info.State = "dead"
	case st == stateActive:
		info.Phase = "active" // reading a head, or ending a response
		if at := t.running.Load(); at != 0 {
			info.Phase = "running"
			info.Request = time.Duration(max(now-at, 0))
			info.Task = t.task.Load().ID()
		}
	}
	return info
}

// hijack returns the listener's own net.Conn, its deadlines cleared, and
// a reader that yields the bytes already read past the head first.
func (t *netConn) hijack(c *conn) (net.Conn, io.Reader, error) {
	t.stopWatch()
	t.SetDeadline(time.Time{})
	t.setState(c.srv, http.StateHijacked)
	rest := c.buf[c.r:c.w:c.w]
	if t.watch.have { // a byte the watch read comes after those buffered
		t.watch.have = false
		rest = append(rest, t.watch.b[0])
	}
	if len(rest) == 0 {
		return t.Conn, t.Conn, nil
	}
	rest = bytes.Clone(rest)
	c.r = c.w
	return t.Conn, io.MultiReader(bytes.NewReader(rest), t.Conn), nil
}

// serve runs c, whose transport is t, until the connection closes.
func (t *netConn) serve(base context.Context, c *conn) {
	s := c.srv
	s.stats.open.Add(1)
	defer func() {
		t.state.Store(stateClosed)
		if !c.hijacked {
			if c.mustClose {
				t.lingerClose()
			} else {
				t.Close()
			}
			t.setState(s, http.StateClosed)
		}
		c.releaseBuffers()
		s.stats.open.Add(-1)
		s.trackConn(t, false)
	}()
	c.remoteAddr = t.RemoteAddr().String()
	if s.ConnContext != nil {
		if base = s.ConnContext(base, t.Conn); base == nil {
			panic("http1: ConnContext returned nil")
		}
	}
	ctx, cancel := context.WithCancel(context.WithValue(base, http.LocalAddrContextKey, t.LocalAddr()))
	defer cancel()
	if tc, ok := t.Conn.(*tls.Conn); ok && !t.handshake(ctx, c, tc) {
		return
	}
	c.buf = *bufPool.Get().(*[]byte)
	c.run(ctx)
}

// lingerFor bounds lingerClose's wait, as net/http's rstAvoidanceDelay
// bounds its closeWriteAndWait.
const lingerFor = 500 * time.Millisecond

// lingerClose closes a connection the server gave up on while the client
// may still be sending (a body left unread past what the server drains, a
// refused request): closing a socket with unread input makes the kernel
// send a reset, which can destroy the response before the client has read
// it (a 413 lost to "connection reset by peer" while the client was still
// uploading). It shuts the write side, so the client reads the response
// and then EOF, discards what still arrives until the client closes or
// lingerFor has passed, then closes — the reactor path's lingerClose,
// and net/http's closeWriteAndWait.
func (t *netConn) lingerClose() {
	if cw, ok := t.Conn.(interface{ CloseWrite() error }); ok && cw.CloseWrite() == nil {
		t.Conn.SetReadDeadline(time.Now().Add(lingerFor))
		io.Copy(io.Discard, t.Conn) // ends at EOF, an error or the deadline
	}
	t.Conn.Close()
}

// handshake completes a TLS handshake within ReadHeaderTimeout, as net/http
// does, and records the connection state for Request.TLS.
func (t *netConn) handshake(ctx context.Context, c *conn, tc *tls.Conn) bool {
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
