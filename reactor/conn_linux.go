//go:build !reactor_portable

package reactor

import (
	"io"
	"net"
	"net/netip"
	"os"
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
	waitOut   bool    // a SendFile found the socket full: watch for writability, then OnDrain
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
		l := c.loop
		if len(l.wbuf)+len(p) <= l.coalesceMax() {
			// During a callback the loop's write buffer collects the
			// callback's small writes (and those of any goroutine writing
			// to c meanwhile, all under c.mu); leave flushes them with one
			// call. Buffered counts them.
			l.wbuf = append(l.wbuf, p...)
			if len(c.out)-c.off+len(l.wbuf) > l.r.cfg.WriteHighWater {
				c.bp.Store(true) // stop reading: the queue and these pass the mark
			}
			c.mu.Unlock()
			return len(p), nil
		}
		// A write that would grow the shared buffer past coalesceMax goes
		// through, whichever goroutine makes it: what was collected first,
		// then p, to the socket, and the rest to c's own queue, where the
		// high-water mark, OnDrain and the write deadline see it.
		if err := l.flushWbufLocked(c); err != nil {
			c.err = err
			c.mu.Unlock()
			c.loop.post(op{kind: opFail, c: c})
			return 0, err
		}
		l.wbuf = l.wbuf[:0]
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
	want := c.off < len(c.out) || c.waitOut
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

// directLocked prepares a write that goes to the socket itself (TryWrite,
// SendFile): it reports why c can take no more output, and sends first
// what a running callback collected in the loop's write buffer, so that
// bytes keep their order. failed reports a flush failure, after which the
// caller, once it has released mu, fails the connection on its loop.
func (c *Conn) directLocked() (failed bool, err error) {
	if c.closed || c.closeReq || c.cwReq {
		if c.err != nil {
			return false, c.err
		}
		return false, ErrClosed
	}
	if c.inHandler && len(c.loop.wbuf) > 0 { // what the callback collected goes first
		if err := c.loop.flushWbufLocked(c); err != nil {
			c.err = err
			return true, err
		}
		c.loop.wbuf = c.loop.wbuf[:0]
	}
	return false, nil
}

func (c *Conn) tryWrite(p []byte) (int, error) {
	c.mu.Lock()
	if c.layer != nil {
		c.mu.Unlock()
		return 0, nil
	}
	if failed, err := c.directLocked(); err != nil {
		c.mu.Unlock()
		if failed {
			c.loop.post(op{kind: opFail, c: c})
		}
		return 0, err
	}
	if c.off < len(c.out) {
		c.mu.Unlock()
		return 0, nil
	}
	n := 0
	for n < len(p) {
		m, err := unix.Write(c.fd, p[n:])
		if m > 0 {
			n += m
		}
		if err == unix.EINTR {
			continue
		}
		if err == unix.EAGAIN {
			break
		}
		if err != nil {
			c.err = err
			c.mu.Unlock()
			c.loop.stats.bytesWritten.Add(int64(n))
			c.loop.post(op{kind: opFail, c: c})
			return n, err
		}
	}
	c.loop.stats.bytesWritten.Add(int64(n))
	c.mu.Unlock()
	return n, nil
}

func (c *Conn) sendFile(f *os.File, off int64, n int) (int, error) {
	c.mu.Lock()
	if c.layer != nil {
		c.mu.Unlock()
		return 0, errNoSendFile
	}
	if failed, err := c.directLocked(); err != nil {
		c.mu.Unlock()
		if failed {
			c.loop.post(op{kind: opFail, c: c})
		}
		return 0, err
	}
	if c.off < len(c.out) || n <= 0 {
		c.wantDrain = c.wantDrain || n > 0 // OnDrain once the queue is out
		c.mu.Unlock()
		return 0, nil
	}
	rc, err := f.SyscallConn()
	if err != nil {
		c.mu.Unlock()
		return 0, err
	}
	written := 0
	var werr error
	cerr := rc.Control(func(in uintptr) {
		for written < n {
			o := off + int64(written)
			m, err := unix.Sendfile(c.fd, int(in), &o, n-written)
			if m > 0 {
				written += m
			}
			if err == unix.EINTR {
				continue
			}
			if err == nil && m == 0 {
				err = io.ErrUnexpectedEOF // f ends before n bytes
			}
			if err != nil {
				werr = err
				return
			}
		}
	})
	if written > 0 {
		c.loop.stats.bytesWritten.Add(int64(written))
	}
	switch {
	case cerr != nil:
		werr = cerr
	case werr == unix.EAGAIN:
		werr = nil
		c.waitOut, c.wantDrain = true, true
		c.watchLocked()
	case werr != nil && written == 0 && (werr == unix.EINVAL || werr == unix.ENOSYS):
		c.mu.Unlock()
		return 0, errNoSendFile // not a file sendfile can read: copy instead
	case werr == io.ErrUnexpectedEOF:
		// The file's fault, not the connection's: the caller decides.
	case werr != nil:
		c.err = werr
		c.mu.Unlock()
		c.loop.post(op{kind: opFail, c: c})
		return written, werr
	}
	c.mu.Unlock()
	return written, werr
}

// stalled reports whether output waits for the peer: queued bytes, or a
// SendFile waiting for the socket to take more.
func (c *Conn) stalled() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.off < len(c.out) || c.waitOut || c.inHandler && len(c.loop.wbuf) > 0
}

func (c *Conn) buffered() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := len(c.out) - c.off
	if c.inHandler && len(c.loop.wbuf) > 0 {
		// c's: the loop is in c's callback. A caller that saw them may
		// wait for OnDrain, so it follows their flush as for queued bytes.
		n += len(c.loop.wbuf)
		c.wantDrain = true
	}
	return n
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
