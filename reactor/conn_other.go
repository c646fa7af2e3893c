//go:build !linux || reactor_portable

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

// connSys is the portable part of a Conn: a goroutine reads it (serve).
type connSys struct {
	r      *Reactor
	nc     net.Conn
	cb     sync.Mutex // held while a callback runs: callbacks never overlap
	paused atomic.Bool
	wake   chan struct{} // a token when ResumeRead or Close wants the reader

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
			<-c.wake
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

func (c *Conn) write(p []byte) (int, error) {
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

func (c *Conn) buffered() int { return 0 }

func (c *Conn) close() {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return
	}
	c.closed = true
	c.mu.Unlock()
	c.resume()
	c.nc.Close()
}

func (c *Conn) abort(err error) {
	c.mu.Lock()
	if c.reason == nil {
		c.reason = err
	}
	c.mu.Unlock()
	c.Close()
}

func (c *Conn) closeWrite() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.cw = true
	if cw, ok := c.nc.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}

// resume wakes the reader if it waits for ResumeRead.
func (c *Conn) resume() {
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

func (c *Conn) setDeadline(t time.Time, read, write bool) error {
	c.mu.Lock()
	if read {
		c.readAt = t
	}
	if write {
		c.writeAt = t
	}
	closed := c.closed
	c.mu.Unlock()
	if closed {
		return ErrClosed
	}
	if read && write {
		return c.nc.SetDeadline(t)
	}
	if read {
		return c.nc.SetReadDeadline(t)
	}
	return c.nc.SetWriteDeadline(t)
}

func (c *Conn) remoteAddr() net.Addr { return c.nc.RemoteAddr() }

func (c *Conn) localAddr() net.Addr { return c.nc.LocalAddr() }
