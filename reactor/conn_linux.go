package reactor

import (
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/shio-rt/shio/reactor/internal/poll"
	"golang.org/x/sys/unix"
)

// Conn is one TCP connection on a [Reactor].
//
// A Conn is created by the reactor and handed to the [Handler]; it stays
// valid (its methods return [ErrClosed]) after the connection is gone.
// Write, Close, CloseWrite, PauseRead, ResumeRead, Buffered, the deadline
// setters and the address methods are safe for concurrent use from any
// goroutine. SetContext and Context are meant for the handler's callbacks:
// calls from other goroutines must be synchronised by the caller.
//
// An idle Conn holds no buffer and no goroutine.
type Conn struct {
	loop   *loop
	fd     int
	idx    int32 // slot in loop.conns, the tag in epoll data
	remote netip.AddrPort
	ctx    any
	dialed bool
	ln     *Listener // the listener that accepted it, if any

	// Owned by the loop goroutine.
	in          []byte // unconsumed input (nil when none)
	lastActive  int64  // loop clock of the last read or write
	phase       phase
	eof         bool // the peer's FIN has been read
	readPending bool // input may be waiting while reading is stopped
	shutdownWR  bool // shutdown(SHUT_WR) done
	again       bool // on loop.again

	// Deadlines as loop clock values; 0 means none. Set from any
	// goroutine, acted on by the loop.
	readAt  atomic.Int64
	writeAt atomic.Int64

	paused  atomic.Bool // PauseRead
	bp      atomic.Bool // backpressure: queue passed the high-water mark
	closing atomic.Bool // Close called (mirrors closeReq for lock-free reads)

	mu sync.Mutex
	// Guarded by mu.
	out       []byte  // queued output, out[off:] not yet written
	outBox    *[]byte // the pool's box for out's buffer (see getOut)
	off       int
	inHandler bool // a callback for this conn is running on the loop
	closeReq  bool // Close called
	cwReq     bool // CloseWrite called
	closed    bool // the descriptor is closed; nothing may touch fd
	watching  bool // EPOLLOUT is registered (only while out is non-empty)
	wantDrain bool // a write was queued; call OnDrain when empty
	err       error
}

// phase is where a connection is in its life, as the loop sees it.
type phase uint8

const (
	phaseOpen      phase = iota
	phaseLingering       // FIN sent after Close; discarding input until the peer's FIN
	phaseDead
)

// Write writes p to the connection. It never blocks: it tries the socket
// first (or, during a callback, coalesces with the callback's other writes)
// and queues whatever the socket did not take, copying it. It returns
// len(p) and a nil error unless the connection is closed, in which case
// it returns how much was written before and [ErrClosed] or the socket
// error.
//
// When the queue passes [Config.WriteHighWater] the reactor stops reading
// the connection until the queue has drained.
func (c *Conn) Write(p []byte) (int, error) {
	c.mu.Lock()
	if c.closed || c.closeReq || c.cwReq {
		err := c.err
		c.mu.Unlock()
		if err == nil {
			err = ErrClosed
		}
		return 0, err
	}
	if len(p) == 0 {
		c.mu.Unlock()
		return 0, nil
	}
	if c.inHandler {
		// During a callback the loop's write buffer collects the
		// callback's output (and that of any goroutine writing to c
		// meanwhile, all under c.mu); leave flushes it with one call.
		l := c.loop
		l.wbuf = append(l.wbuf, p...)
		if len(c.out)-c.off+len(l.wbuf) > l.r.cfg.WriteHighWater {
			c.bp.Store(true)
		}
		c.mu.Unlock()
		return len(p), nil
	}
	n := 0
	if len(c.out) == c.off {
		m, err := unix.Write(c.fd, p)
		if m > 0 {
			n = m
			c.loop.stats.bytesWritten.Add(uint64(m))
		}
		if err != nil && err != unix.EAGAIN && err != unix.EINTR {
			c.err = err
			c.mu.Unlock()
			c.loop.post(op{kind: opFail, c: c})
			return n, err
		}
	}
	if n < len(p) {
		c.queueLocked(p[n:])
		c.watchLocked()
	}
	c.mu.Unlock()
	return len(p), nil
}

// watchLocked registers interest in writability exactly while output is
// queued, so that a socket that takes every write raises no write events.
func (c *Conn) watchLocked() {
	want := c.off < len(c.out)
	if want != c.watching && !c.closed {
		c.watching = want
		c.loop.p.WatchWrite(c.fd, c.idx, want)
	}
}

// queueLocked appends p to the outbound queue.
func (c *Conn) queueLocked(p []byte) {
	if c.out == nil {
		c.outBox = getOut(len(p))
		c.out = *c.outBox
	}
	c.out = append(c.out, p...)
	c.wantDrain = true
	if len(c.out)-c.off > c.loop.r.cfg.WriteHighWater {
		c.bp.Store(true)
	}
}

// flushLocked writes as much of the queue as the socket takes and returns
// the queue's buffer to the pool once it is empty.
func (c *Conn) flushLocked() error {
	for c.off < len(c.out) {
		m, err := unix.Write(c.fd, c.out[c.off:])
		if m > 0 {
			c.off += m
			c.loop.stats.bytesWritten.Add(uint64(m))
		}
		if err == unix.EINTR {
			continue
		}
		if err == unix.EAGAIN {
			return nil
		}
		if err != nil {
			return err
		}
	}
	if c.out != nil {
		putOut(c.outBox, c.out)
		c.outBox = nil
		c.out, c.off = nil, 0
	}
	return nil
}

// Buffered returns the number of outbound bytes queued and not yet taken
// by the socket.
func (c *Conn) Buffered() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.out) - c.off
}

// Close closes the connection gracefully: it stops reading, flushes the
// outbound queue, sends FIN and waits (up to [Config.LingerTimeout]) for
// the peer's FIN before releasing the socket; OnClose follows. Close is
// idempotent and never blocks.
func (c *Conn) Close() error {
	c.mu.Lock()
	if c.closed || c.closeReq {
		c.mu.Unlock()
		return nil
	}
	c.closeReq = true
	c.closing.Store(true)
	post := !c.inHandler
	c.mu.Unlock()
	if post {
		c.loop.post(op{kind: opClose, c: c})
	}
	return nil
}

// requestClose is Close for the loop itself: it records the request
// without posting it, since the caller settles c next.
func (c *Conn) requestClose() {
	c.mu.Lock()
	c.closeReq = true
	c.closing.Store(true)
	c.mu.Unlock()
}

// CloseWrite shuts the write side once the queue has been flushed (the
// peer reads EOF) and keeps reading. Later writes return [ErrClosed].
func (c *Conn) CloseWrite() error {
	c.mu.Lock()
	if c.closed || c.cwReq {
		c.mu.Unlock()
		return nil
	}
	c.cwReq = true
	post := !c.inHandler
	c.mu.Unlock()
	if post {
		c.loop.post(op{kind: opSettle, c: c})
	}
	return nil
}

// PauseRead stops the reactor from reading the connection (input waits in
// the kernel, and TCP flow control eventually stops the peer) until
// ResumeRead. Pausing does not stop deadlines.
func (c *Conn) PauseRead() { c.paused.Store(true) }

// ResumeRead undoes PauseRead. Input that arrived meanwhile, and any
// unconsumed input kept from before, is delivered to OnData promptly.
func (c *Conn) ResumeRead() {
	if c.paused.CompareAndSwap(true, false) {
		c.loop.post(op{kind: opResume, c: c})
	}
}

// SetReadDeadline closes the connection with [ErrReadTimeout] at t unless
// the deadline is moved or cleared (zero t) first. A handler typically
// sets it when a message starts and clears it when the message is
// complete.
func (c *Conn) SetReadDeadline(t time.Time) error {
	c.readAt.Store(c.loop.r.monotonic(t))
	return c.rearm()
}

// SetWriteDeadline closes the connection with [ErrWriteTimeout] if output
// is still queued at t. A deadline that passes with an empty queue is
// simply cleared.
func (c *Conn) SetWriteDeadline(t time.Time) error {
	c.writeAt.Store(c.loop.r.monotonic(t))
	return c.rearm()
}

// SetDeadline sets both deadlines.
func (c *Conn) SetDeadline(t time.Time) error {
	at := c.loop.r.monotonic(t)
	c.readAt.Store(at)
	c.writeAt.Store(at)
	return c.rearm()
}

func (c *Conn) rearm() error {
	c.mu.Lock()
	closed, inH := c.closed, c.inHandler
	c.mu.Unlock()
	if closed {
		return ErrClosed
	}
	if !inH {
		c.loop.post(op{kind: opSettle, c: c})
	}
	return nil
}

// SetContext attaches v to the connection for the handler's use.
func (c *Conn) SetContext(v any) { c.ctx = v }

// Context returns the value attached with SetContext, or nil.
func (c *Conn) Context() any { return c.ctx }

// Dialed reports whether the connection was made by [Reactor.Dial] rather
// than accepted.
func (c *Conn) Dialed() bool { return c.dialed }

// Listener returns the [Listener] that accepted the connection, or nil for
// connections from [Reactor.Dial] or [Reactor.Serve].
func (c *Conn) Listener() *Listener { return c.ln }

// RemoteAddr returns the peer's address as a *net.TCPAddr.
func (c *Conn) RemoteAddr() net.Addr { return net.TCPAddrFromAddrPort(c.remote) }

// LocalAddr returns the connection's local address as a *net.TCPAddr. It
// costs a system call.
func (c *Conn) LocalAddr() net.Addr {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return &net.TCPAddr{}
	}
	return net.TCPAddrFromAddrPort(poll.LocalAddr(c.fd))
}
