package tcp

import (
	"io"
	"net"
	"os"
	"sync"
	"time"

	"github.com/shio-rt/shio/reactor"
	"github.com/shio-rt/shio/tlslayer"
)

// maxBuffered is the input a Conn keeps for Read before it pauses the
// reactor's reading of the socket.
const maxBuffered = 256 << 10

// Conn is a TCP connection on a [Network]. It implements net.Conn: Read
// blocks until input arrives, Write blocks until the socket has taken
// everything, and both honour deadlines and Close from other goroutines.
// All methods are safe for concurrent use.
type Conn struct {
	n  *Network
	rc *reactor.Conn

	readable chan struct{} // a token when input or an error arrived
	writable chan struct{} // a token when the outbound queue drained

	rdl, wdl deadline

	onClose func(err error) // see Adopt; called on the loop

	// tl is the connection's TLS layer (nil without TLS), set before the
	// Conn is handed out (by Accept or DialTLS).
	tl *tlslayer.Conn

	mu sync.Mutex
	// Guarded by mu.
	in     []byte // in[off:] arrived and not yet read; nil when empty
	off    int
	inBox  *[]byte // the pool's box for in's buffer (see getIn)
	rerr   error   // io.EOF or why the connection ended, after in is drained
	paused bool    // the reactor's reading is paused because in is full
	closed bool
	// done is closed by Close; made by the first wait that needs it
	// (doneChan), so that an idle connection, whose reader waits on
	// readable alone, holds no such channel.
	done chan struct{}
}

// doneChan returns the channel Close closes (closed already if it was).
func (c *Conn) doneChan() chan struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.done == nil {
		c.done = make(chan struct{})
		if c.closed {
			close(c.done)
		}
	}
	return c.done
}

func newConn(n *Network, rc *reactor.Conn) *Conn {
	return &Conn{
		n:        n,
		rc:       rc,
		readable: make(chan struct{}, 1),
		writable: make(chan struct{}, 1),
	}
}

// arrive appends input; it runs on the loop.
func (c *Conn) arrive(data []byte) {
	c.mu.Lock()
	switch {
	case c.in == nil:
		c.inBox = getIn()
		c.in = *c.inBox
	case c.off > 0 && len(c.in)+len(data) > cap(c.in):
		c.in = c.in[:copy(c.in, c.in[c.off:])] // move the unread part down
		c.off = 0
	}
	c.in = append(c.in, data...)
	if len(c.in)-c.off >= maxBuffered && !c.paused {
		c.paused = true
		c.rc.PauseRead()
	}
	c.mu.Unlock()
	c.signal(false)
}

// end records why input ended; it runs on the loop.
func (c *Conn) end(err error) {
	c.mu.Lock()
	if c.rerr == nil {
		c.rerr = err
	}
	c.mu.Unlock()
	c.signal(false)
	c.signal(true)
}

func (c *Conn) signal(write bool) {
	ch := c.readable
	if write {
		ch = c.writable
	}
	select {
	case ch <- struct{}{}:
	default:
	}
}

func (c *Conn) opError(op string, err error) error {
	return &net.OpError{Op: op, Net: "tcp", Source: c.LocalAddr(), Addr: c.RemoteAddr(), Err: err}
}

// Read reads input that has arrived, blocking until some has, the read
// deadline passes (os.ErrDeadlineExceeded), or the connection ends (io.EOF
// after the peer's FIN, net.ErrClosed after Close).
func (c *Conn) Read(p []byte) (int, error) {
	for {
		c.mu.Lock()
		if c.closed {
			c.mu.Unlock()
			c.signal(false) // the next Read blocked without a deadline
			return 0, c.opError("read", net.ErrClosed)
		}
		if c.off < len(c.in) {
			n := copy(p, c.in[c.off:])
			c.off += n
			if c.off == len(c.in) {
				c.releaseIn() // idle costs nothing
			}
			resume := c.paused && len(c.in)-c.off < maxBuffered/2
			if resume {
				c.paused = false
			}
			c.mu.Unlock()
			if resume {
				c.rc.ResumeRead()
			}
			return n, nil
		}
		if c.rerr != nil {
			err := c.rerr
			c.mu.Unlock()
			c.signal(false) // the next Read blocked without a deadline
			if err == io.EOF {
				return 0, err
			}
			return 0, c.opError("read", err)
		}
		c.mu.Unlock()
		if len(p) == 0 {
			return 0, nil
		}
		dl := c.rdl.wait()
		if isClosed(dl) {
			return 0, c.opError("read", os.ErrDeadlineExceeded)
		}
		if dl == nil {
			// No deadline: readable alone, which Close and a new deadline
			// also signal (an idle connection's reader holds one waiter,
			// not three).
			<-c.readable
			continue
		}
		select {
		case <-c.readable:
		case <-dl:
		case <-c.doneChan():
		}
	}
}

// Write writes p, blocking until the socket has taken all of it, the write
// deadline passes (os.ErrDeadlineExceeded; the part already accepted is
// still sent), or the connection ends.
func (c *Conn) Write(p []byte) (int, error) {
	dl := c.wdl.wait()
	if isClosed(dl) {
		return 0, c.opError("write", os.ErrDeadlineExceeded)
	}
	if err := c.waitHandshake(dl); err != nil {
		return 0, c.opError("write", err)
	}
	c.mu.Lock()
	closed := c.closed
	c.mu.Unlock()
	if closed {
		return 0, c.opError("write", net.ErrClosed)
	}
	if _, err := c.rc.Write(p); err != nil {
		return 0, c.opError("write", err)
	}
	for {
		left := c.rc.Buffered()
		if left == 0 {
			return len(p), nil
		}
		dl = c.wdl.wait() // set meanwhile? (SetWriteDeadline signals writable)
		if isClosed(dl) {
			return len(p) - min(left, len(p)), c.opError("write", os.ErrDeadlineExceeded)
		}
		var done chan struct{} // nil without a deadline: Close signals writable
		if dl != nil {
			done = c.doneChan()
		}
		select {
		case <-c.writable:
			c.mu.Lock()
			closed, rerr := c.closed, c.rerr
			c.mu.Unlock()
			if closed {
				c.signal(true) // the next Write waiting without a deadline
				return len(p) - min(left, len(p)), c.opError("write", net.ErrClosed)
			}
			if rerr != nil && rerr != io.EOF && c.rc.Buffered() > 0 {
				return len(p) - min(left, len(p)), c.opError("write", rerr)
			}
		case <-dl:
			return len(p) - min(left, len(p)), c.opError("write", os.ErrDeadlineExceeded)
		case <-done:
			return len(p) - min(left, len(p)), c.opError("write", net.ErrClosed)
		}
	}
}

// Close closes the connection: blocked Reads and Writes return
// net.ErrClosed, queued output is flushed, and the socket is released.
func (c *Conn) Close() error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return c.opError("close", net.ErrClosed)
	}
	c.closed = true
	c.releaseIn()
	if c.done != nil {
		close(c.done)
	}
	c.mu.Unlock()
	c.signal(false) // a Read blocked without a deadline waits on readable alone
	c.signal(true)  // and so does a Write
	c.rc.Close()
	if c.n != nil {
		c.n.release()
	}
	return nil
}

// CloseWrite shuts the write side once queued output is flushed; the peer
// reads EOF. Reading continues.
func (c *Conn) CloseWrite() error { return c.rc.CloseWrite() }

// LocalAddr returns the local address.
func (c *Conn) LocalAddr() net.Addr { return c.rc.LocalAddr() }

// RemoteAddr returns the peer's address.
func (c *Conn) RemoteAddr() net.Addr { return c.rc.RemoteAddr() }

// SetDeadline sets the read and write deadlines.
func (c *Conn) SetDeadline(t time.Time) error {
	c.SetReadDeadline(t)
	c.SetWriteDeadline(t)
	return nil
}

// SetReadDeadline sets the deadline for Read calls, current and future;
// the zero t means none.
func (c *Conn) SetReadDeadline(t time.Time) error {
	c.rdl.set(t)
	if !t.IsZero() {
		c.signal(false) // a Read blocked without a deadline looks again
	}
	return nil
}

// SetWriteDeadline sets the deadline for Write calls, current and future;
// the zero t means none.
func (c *Conn) SetWriteDeadline(t time.Time) error {
	c.wdl.set(t)
	if !t.IsZero() {
		c.signal(true) // a Write that waited with no deadline looks again
	}
	return nil
}

// inPool holds input buffers between bursts, so that a connection that
// reads one message at a time neither keeps a buffer while idle nor
// allocates one per message. The box travels with its buffer (Conn.inBox),
// so that returning it allocates nothing.
var inPool = sync.Pool{New: func() any { b := make([]byte, 0, 4<<10); return &b }}

// maxPooledIn is the largest input buffer returned to inPool.
const maxPooledIn = 64 << 10

func getIn() *[]byte {
	p := inPool.Get().(*[]byte)
	*p = (*p)[:0]
	return p
}

// releaseIn returns the input buffer to the pool. Called with c.mu held.
func (c *Conn) releaseIn() {
	if c.inBox != nil && cap(c.in) <= maxPooledIn {
		*c.inBox = c.in[:0]
		inPool.Put(c.inBox)
	}
	c.in, c.off, c.inBox = nil, 0, nil
}
