//go:build !reactor_portable

package reactor

// This file brackets callbacks: enter marks a connection as in a callback,
// leave flushes what the callback wrote (coalesced in loop.wbuf).

import "golang.org/x/sys/unix"

// enter marks the start of a callback for c.
func (l *loop) enter(c *Conn) {
	c.mu.Lock()
	c.inHandler = true
	c.mu.Unlock()
}

// leave ends a callback: it flushes what the callback wrote and acts on
// what it asked for (Close, CloseWrite, deadlines).
func (l *loop) leave(c *Conn) {
	c.mu.Lock()
	c.inHandler = false
	var err error
	if !c.closed {
		if c.off < len(c.out) {
			err = c.flushLocked()
		}
		if len(l.wbuf) > 0 && err == nil {
			err = l.flushWbufLocked(c)
		}
		if err == nil {
			c.watchLocked()
		}
	}
	l.wbuf = l.wbuf[:0]
	c.mu.Unlock()
	l.settle(c, err)
}

// flushWbufLocked writes what a callback wrote to c (collected in l.wbuf)
// after anything already queued, and queues what the socket does not take.
func (l *loop) flushWbufLocked(c *Conn) error {
	p := l.wbuf
	if c.off == len(c.out) { // nothing queued ahead: try the socket
		for len(p) > 0 {
			m, err := unix.Write(c.fd, p)
			if m > 0 {
				p = p[m:]
				l.stats.bytesWritten.Add(uint64(m))
			}
			if err == unix.EINTR {
				continue
			}
			if err == unix.EAGAIN {
				break
			}
			if err != nil {
				return err
			}
		}
	}
	if len(p) > 0 {
		c.queueLocked(p)
	}
	if cap(l.wbuf) > maxPooled {
		l.wbuf = nil // do not keep a burst's buffer for ever
	}
	return nil
}
