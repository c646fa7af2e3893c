//go:build !linux

package reactor

import (
	"errors"
	"io"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// Conn is one TCP connection on a [Reactor]. See the Linux version for
// the full contract; here each Conn has a goroutine that reads it.
type Conn struct {
	r      *Reactor
	nc     net.Conn
	ctx    any
	dialed bool
	ln     *Listener
	cb     sync.Mutex // held while a callback runs: callbacks never overlap
	paused atomic.Bool
	resume chan struct{}

	mu sync.Mutex
	// Guarded by mu.
	closed  bool
	cw      bool
	reason  error
	readAt  time.Time
	writeAt time.Time
}

func (c *Conn) serve(opened chan struct{}) {
	c.cb.Lock()
	c.r.h.OnOpen(c)
	c.cb.Unlock()
	if opened != nil {
		close(opened)
	}
	buf := make([]byte, c.r.cfg.ReadBufferSize)
	var in []byte
	var err error
	for {
		if c.paused.Load() {
			<-c.resume
			continue
		}
		c.mu.Lock()
		dl := c.readAt
		if d := c.r.cfg.IdleTimeout; d > 0 && (dl.IsZero() || time.Now().Add(d).Before(dl)) {
			dl = time.Now().Add(d)
		}
		c.mu.Unlock()
		c.nc.SetReadDeadline(dl)
		n, rerr := c.nc.Read(buf)
		if n > 0 {
			c.r.stats.bytesRead.Add(uint64(n))
			data := buf[:n]
			if len(in) > 0 {
				in = append(in, data...)
				data = in
			}
			c.cb.Lock()
			k := c.r.h.OnData(c, data)
			c.cb.Unlock()
			in = append(in[:0], data[k:]...)
			if len(in) > c.r.cfg.MaxPending {
				err = ErrPendingTooLarge
				break
			}
		}
		if rerr == io.EOF {
			if eh, ok := c.r.h.(EOFHandler); ok {
				c.cb.Lock()
				eh.OnEOF(c)
				c.cb.Unlock()
				c.waitClosed()
			}
			break
		}
		if rerr != nil {
			err = c.translate(rerr)
			if err == ErrReadTimeout && c.offerReadTimeout() {
				continue
			}
			break
		}
	}
	c.mu.Lock()
	if c.reason != nil {
		err = c.reason
	}
	c.closed = true
	c.mu.Unlock()
	c.nc.Close()
	c.cb.Lock()
	c.r.h.OnClose(c, err)
	c.cb.Unlock()
}

// offerReadTimeout clears the passed read deadline and asks the handler,
// if it implements ReadTimeoutHandler, whether to keep the connection.
func (c *Conn) offerReadTimeout() bool {
	rh, ok := c.r.h.(ReadTimeoutHandler)
	if !ok {
		return false
	}
	c.mu.Lock()
	c.readAt = time.Time{}
	c.mu.Unlock()
	c.cb.Lock()
	keep := rh.OnReadTimeout(c)
	c.cb.Unlock()
	return keep
}

// waitClosed blocks the reader after OnEOF until the handler closes.
func (c *Conn) waitClosed() {
	var one [1]byte
	c.nc.SetReadDeadline(time.Time{})
	c.nc.Read(one[:]) // returns once Close closes the socket
}

func (c *Conn) translate(err error) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return c.reason
	}
	if errors.Is(err, os.ErrDeadlineExceeded) {
		if !c.readAt.IsZero() && !time.Now().Before(c.readAt) {
			return ErrReadTimeout
		}
		return ErrIdleTimeout
	}
	return err
}

// Write writes p to the connection; on this system it blocks until the
// socket has taken p.
func (c *Conn) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed || c.cw {
		return 0, ErrClosed
	}
	c.nc.SetWriteDeadline(c.writeAt)
	n, err := c.nc.Write(p)
	c.r.stats.bytesWritten.Add(uint64(n))
	if errors.Is(err, os.ErrDeadlineExceeded) {
		err = ErrWriteTimeout
	}
	return n, err
}

// Buffered returns the number of queued outbound bytes (always 0 here).
func (c *Conn) Buffered() int { return 0 }

// Close closes the connection.
func (c *Conn) Close() error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil
	}
	c.closed = true
	c.mu.Unlock()
	c.resumeNow()
	return c.nc.Close()
}

func (c *Conn) abort(err error) {
	c.mu.Lock()
	if c.reason == nil {
		c.reason = err
	}
	c.mu.Unlock()
	c.Close()
}

// CloseWrite shuts the write side.
func (c *Conn) CloseWrite() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.cw = true
	if cw, ok := c.nc.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}

// PauseRead stops reading until ResumeRead.
func (c *Conn) PauseRead() { c.paused.Store(true) }

// ResumeRead undoes PauseRead.
func (c *Conn) ResumeRead() {
	if c.paused.CompareAndSwap(true, false) {
		c.resumeNow()
	}
}

func (c *Conn) resumeNow() {
	select {
	case c.resume <- struct{}{}:
	default:
	}
}

// SetReadDeadline closes the connection with ErrReadTimeout at t.
func (c *Conn) SetReadDeadline(t time.Time) error {
	c.mu.Lock()
	c.readAt = t
	c.mu.Unlock()
	return c.nc.SetReadDeadline(t)
}

// SetWriteDeadline fails writes still blocked at t with ErrWriteTimeout.
func (c *Conn) SetWriteDeadline(t time.Time) error {
	c.mu.Lock()
	c.writeAt = t
	c.mu.Unlock()
	return c.nc.SetWriteDeadline(t)
}

// SetDeadline sets both deadlines.
func (c *Conn) SetDeadline(t time.Time) error {
	c.SetReadDeadline(t)
	return c.SetWriteDeadline(t)
}

// SetContext attaches v to the connection for the handler's use.
func (c *Conn) SetContext(v any) { c.ctx = v }

// Context returns the value attached with SetContext, or nil.
func (c *Conn) Context() any { return c.ctx }

// Dialed reports whether the connection was made by Dial.
func (c *Conn) Dialed() bool { return c.dialed }

// Listener returns the Listener that accepted the connection, or nil.
func (c *Conn) Listener() *Listener { return c.ln }

// RemoteAddr returns the peer's address.
func (c *Conn) RemoteAddr() net.Addr { return c.nc.RemoteAddr() }

// LocalAddr returns the local address.
func (c *Conn) LocalAddr() net.Addr { return c.nc.LocalAddr() }
