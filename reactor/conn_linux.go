//go:build !reactor_portable

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

// connSys is the Linux part of a Conn.
type connSys struct {
	loop   *loop
	fd     int
	idx    int32 // slot in loop.conns, the tag in epoll data
	remote netip.AddrPort

	// Owned by the loop goroutine.
	h           Handler // the connection's handler (Handoff replaces it)
	layer       Layer   // set under mu by SetLayer, on the loop; read by writers under mu
	in          []byte  // unconsumed input (nil when none)
	lastActive  int64   // loop clock of the last read or write
	phase       phase
	eof         bool // the peer's FIN has been read
	readPending bool // input may be waiting while reading is stopped
	shutdownWR  bool // shutdown(SHUT_WR) done
	again       bool // on loop.again
	layerWake   bool // WakeLayer came while reading was stopped

	// Deadlines as loop clock values; 0 means none. Set from any
	// goroutine, acted on by the loop.
	readAt  atomic.Int64
	writeAt atomic.Int64

	paused  atomic.Bool // PauseRead
	bp      atomic.Bool // backpressure: queue passed the high-water mark
	closing atomic.Bool // Close called (mirrors closeReq for lock-free reads)
	handing atomic.Bool // next is set (mirrors it for lock-free reads)

	mu sync.Mutex
	// Guarded by mu.
	out       []byte  // queued output, out[off:] not yet written
	outBox    *[]byte // the pool's box for out's buffer (see getOut)
	off       int
	inHandler bool    // a callback for this conn is running on the loop
	closeReq  bool    // Close called
	cwReq     bool    // CloseWrite called
	closed    bool    // the descriptor is closed; nothing may touch fd
	watching  bool    // EPOLLOUT is registered (only while out is non-empty)
	wantDrain bool    // a write was queued; call OnDrain when empty
	layerShut bool    // the layer's CloseWrite has been called
	next      Handler // a hand-off not yet taken effect
	err       error
}

// phase is where a connection is in its life, as the loop sees it.
type phase uint8

const (
	phaseOpen      phase = iota
	phaseLingering       // FIN sent after Close; discarding input until the peer's FIN
	phaseDead
)

func (c *Conn) write(p []byte) (int, error) {
	c.mu.Lock()
	if ly := c.layer; ly != nil {
		c.mu.Unlock()
		return ly.Output(p)
	}
	return c.writeLocked(p)
}

// writeRaw writes beneath the layer.
func (c *Conn) writeRaw(p []byte) (int, error) {
	c.mu.Lock()
	return c.writeLocked(p)
}

// writeLocked is Write without a layer. It is called with c.mu held and
// releases it.
func (c *Conn) writeLocked(p []byte) (int, error) {
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
			c.loop.stats.bytesWritten.Add(int64(m))
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
			c.loop.stats.bytesWritten.Add(int64(m))
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

func (c *Conn) buffered() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.out) - c.off
}

func (c *Conn) close() {
	c.closeLayer()
	c.mu.Lock()
	if c.closed || c.closeReq {
		c.mu.Unlock()
		return
	}
	c.closeReq = true
	c.closing.Store(true)
	post := !c.inHandler
	c.mu.Unlock()
	if post {
		c.loop.post(op{kind: opClose, c: c})
	}
}

// requestClose is Close for the loop itself: it records the request
// without posting it, since the caller settles c next.
func (c *Conn) requestClose() {
	c.closeLayer()
	c.mu.Lock()
	c.closeReq = true
	c.closing.Store(true)
	c.mu.Unlock()
}

func (c *Conn) closeWrite() error {
	c.closeLayer()
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

// closeLayer calls the layer's CloseWrite once, before the first Close or
// CloseWrite is recorded, so that what it writes is still accepted.
func (c *Conn) closeLayer() {
	c.mu.Lock()
	cw, ok := c.layer.(closeWriter)
	if !ok || c.layerShut || c.closed || c.closeReq || c.cwReq {
		c.mu.Unlock()
		return
	}
	c.layerShut = true
	c.mu.Unlock()
	cw.CloseWrite()
}

func (c *Conn) setLayer(l Layer) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.inHandler {
		panic("reactor: SetLayer outside the connection's callbacks")
	}
	if c.layer != nil {
		panic("reactor: SetLayer called twice")
	}
	c.layer = l
}

func (c *Conn) handoff(h Handler) error {
	c.mu.Lock()
	if c.closed || c.closeReq {
		c.mu.Unlock()
		return ErrClosed
	}
	if c.next != nil {
		c.mu.Unlock()
		return errHandoffPending
	}
	c.next = h
	c.handing.Store(true)
	post := !c.inHandler
	c.mu.Unlock()
	if post {
		c.loop.post(op{kind: opHandoff, c: c})
	}
	return nil
}

func (c *Conn) resume() { c.loop.post(op{kind: opResume, c: c}) }

func (c *Conn) wakeLayer() { c.loop.post(op{kind: opWake, c: c}) }

func (c *Conn) setDeadline(t time.Time, read, write bool) error {
	at := c.loop.r.monotonic(t)
	if read {
		c.readAt.Store(at)
	}
	if write {
		c.writeAt.Store(at)
	}
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

func (c *Conn) remoteAddr() net.Addr { return net.TCPAddrFromAddrPort(c.remote) }

func (c *Conn) localAddr() net.Addr {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return &net.TCPAddr{}
	}
	return net.TCPAddrFromAddrPort(poll.LocalAddr(c.fd))
}
