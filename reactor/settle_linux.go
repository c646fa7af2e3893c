//go:build !reactor_portable

package reactor

// This file is where a connection's requests take effect: Close and
// CloseWrite once the queue is empty, backpressure lifted, OnDrain, and the
// final release.

import (
	"golang.org/x/sys/unix"
)

// settle brings c's loop-side state up to date with its queue and
// requests: it closes on error, finishes a Close or CloseWrite once the
// queue is empty, lifts backpressure, calls OnDrain and re-arms deadlines.
func (l *loop) settle(c *Conn, err error) {
	if c.phase == phaseDead {
		return
	}
	if err != nil {
		l.closeNow(c, err)
		return
	}
	c.mu.Lock()
	empty := c.off == len(c.out)
	closeReq, cwReq := c.closeReq, c.cwReq
	// A direct write (TryWrite, SendFile) that found the socket full waits
	// for it to take more (waitOut), not just for the queue to empty.
	drained := empty && c.wantDrain && !c.waitOut
	if drained {
		c.wantDrain = false
	}
	resume := empty && c.flag(fBackpressure)
	if resume {
		c.clearFlag(fBackpressure)
	}
	c.mu.Unlock()
	if empty && (closeReq || cwReq) && !c.shutdownWR && c.phase == phaseOpen {
		linger := c.lingerTimeout(l.r.cfg.LingerTimeout)
		if closeReq && (c.eof || linger < 0) {
			l.closeNow(c, nil)
			return
		}
		unix.Shutdown(c.fd, unix.SHUT_WR)
		c.shutdownWR = true
		if closeReq {
			c.phase = phaseLingering
			c.readAt.Store(l.now + int64(linger))
			l.read(c, 0) // discard input and notice an early FIN
			if c.phase == phaseDead {
				return
			}
		}
	}
	if closeReq && c.phase == phaseOpen && c.shutdownWR {
		// CloseWrite came first and was done; Close now only lingers.
		c.phase = phaseLingering
		c.readAt.Store(l.now + int64(c.lingerTimeout(l.r.cfg.LingerTimeout)))
		l.read(c, 0)
		if c.phase == phaseDead {
			return
		}
	}
	if drained && c.phase == phaseOpen {
		if _, ok := c.h.(DrainHandler); ok || c.flag(fHanding) {
			h, switched := l.enter(c)
			if dh, ok := h.(DrainHandler); ok {
				// Also a handler just handed the connection: its writer
				// (another goroutine, during the previous handler's
				// callback) may be waiting for these bytes to drain.
				dh.OnDrain(c)
			}
			l.leave(c)
			if switched {
				l.afterSwitch(c)
			}
			if c.phase == phaseDead {
				return
			}
		}
	}
	if resume && (c.layerWake || len(c.in) > 0) && !c.readStopped() {
		// Input kept for the handler (or held by the layer) is presented
		// before more is read: a ResumeRead that came while the queue was
		// past the mark found reading stopped and presented nothing, and
		// the peer may have nothing more to send (a pipelined echo stalled
		// here for good).
		c.layerWake = false
		l.resume(c)
		if c.phase == phaseDead {
			return
		}
	} else if resume && c.readPending {
		l.read(c, 0)
		if c.phase == phaseDead {
			return
		}
	}
	l.arm(c)
}

// closeNow releases c at once and calls OnClose.
func (l *loop) closeNow(c *Conn, err error) {
	if c.phase == phaseDead {
		return
	}
	c.phase = phaseDead
	l.wheel.Stop(int(c.idx))
	c.mu.Lock()
	c.closed = true
	c.closeReq = true
	c.setFlag(fClosing)
	if c.out != nil {
		putOut(c.outBox, c.out)
		c.outBox = nil
		c.out, c.off = nil, 0
	}
	if c.err == nil {
		c.err = err
	}
	unix.Close(c.fd)
	c.mu.Unlock()
	if c.in != nil {
		l.putIn(c.in)
		c.in = nil
	}
	l.conns[c.idx] = nil
	l.free = append(l.free, c.idx)
	l.stats.closed.Add(1)
	if c.flag(fHanding) {
		// A hand-off that had not taken effect: its handler still gets
		// OnOpen before OnClose.
		l.enter(c)
		l.finish(c)
	}
	c.h.OnClose(c, err)
	l.r.connClosed()
}

// drain is Shutdown's default for one connection: deliver what has
// arrived, then close gracefully.
func (l *loop) drain(c *Conn) {
	if _, ok := c.h.(ShutdownHandler); ok || c.flag(fHanding) {
		h, switched := l.enter(c)
		sh, ok := h.(ShutdownHandler)
		if ok {
			sh.OnShutdown(c)
		}
		l.leave(c)
		if switched {
			l.afterSwitch(c)
		}
		if ok || c.phase != phaseOpen {
			return
		}
	}
	l.read(c, 0)
	if c.phase == phaseOpen {
		c.requestClose()
		l.settle(c, nil)
	}
}
