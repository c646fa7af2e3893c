//go:build !reactor_portable

package reactor

// This file brackets callbacks: enter marks a connection as in a callback,
// leave flushes what the callback wrote (coalesced in loop.wbuf).

import "golang.org/x/sys/unix"

// enter marks the start of a callback for c and returns the handler to
// call. A hand-off requested since c's last callback takes effect first,
// inside the same bracket: the new handler's OnOpen runs and switched
// reports it (the caller then owes the new handler its kept input: see
// afterSwitch). Reading the pending hand-off under c.mu, which enter
// takes anyway, is what guarantees that no callback of the previous
// handler starts after Handoff returns.
func (l *loop) enter(c *Conn) (h Handler, switched bool) {
	c.mu.Lock()
	c.inHandler = true
	for c.next != nil {
		next := c.next
		c.next = nil
		c.clearFlag(fHanding)
		c.mu.Unlock()
		c.h = next
		next.OnOpen(c)
		switched = true
		c.mu.Lock()
	}
	c.mu.Unlock()
	return c.h, switched
}

// leave ends a callback: it flushes what the callback wrote, acts on
// what it asked for (Close, CloseWrite, deadlines), and carries out a
// hand-off the callback made.
func (l *loop) leave(c *Conn) {
	l.finish(c)
	if c.flag(fHanding) {
		l.switchHandler(c)
	}
}

// switchHandler carries out a pending hand-off outside any callback.
func (l *loop) switchHandler(c *Conn) {
	if c.phase != phaseOpen {
		return // closeNow gives the new handler OnOpen and OnClose
	}
	l.enter(c)
	l.finish(c)
	l.afterSwitch(c)
}

// afterSwitch gives a handler that has just received OnOpen by a
// hand-off what the previous one left: the kept input, then the peer's
// FIN.
func (l *loop) afterSwitch(c *Conn) {
	if c.phase != phaseOpen {
		return
	}
	if c.flag(fHanding) { // the new handler handed off in turn
		l.switchHandler(c)
		return
	}
	if len(c.in) > 0 && !c.readStopped() {
		l.present(c, c.in)
		if c.phase != phaseOpen {
			return
		}
	}
	if c.eof && !c.flag(fClosing) {
		l.onEOF(c)
	}
}

// finish is leave without the hand-off.
func (l *loop) finish(c *Conn) {
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

// coalesceMax is how many bytes the callback's writes may collect in
// l.wbuf before a write goes through to the socket and c's queue: small
// enough that the shared buffer never holds a slow reader's response
// (bytes there count in Buffered but, not being queued, would not raise
// OnDrain), large enough that a response's head and body make one write.
func (l *loop) coalesceMax() int {
	return min(maxPooled, l.r.cfg.WriteHighWater/2)
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
				l.stats.wrote(m)
				c.bytesOut.Add(int64(m))
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
