//go:build !reactor_portable

package reactor

// This file is the read side of a loop: readiness events, reads into the
// scratch buffer, OnData with kept input, EOF and ResumeRead.

import (
	"io"

	"github.com/shio-rt/shio/reactor/internal/poll"
	"golang.org/x/sys/unix"
)

// event handles readiness of one connection.
func (l *loop) event(ev *poll.Event) {
	idx := int(ev.Pad)
	if idx >= len(l.conns) {
		return
	}
	c := l.conns[idx]
	if c == nil || c.fd != int(ev.Fd) {
		return // stale event for a slot closed earlier in this pass
	}
	e := ev.Events
	if e&poll.Err != 0 {
		err := soError(c.fd)
		if err != nil {
			l.closeNow(c, err)
			return
		}
	}
	if e&(poll.In|poll.RDHup|poll.Hup) != 0 {
		l.read(c, e)
		if c.phase == phaseDead {
			return
		}
	}
	if e&(poll.Out|poll.Hup) != 0 {
		c.mu.Lock()
		var err error
		if c.off < len(c.out) && !c.closed {
			err = c.flushLocked()
			c.lastActive = l.now
		}
		if c.waitOut { // the socket takes more: the SendFile caller's OnDrain follows
			c.waitOut = false
			c.lastActive = l.now
		}
		if err == nil {
			c.watchLocked()
		}
		c.mu.Unlock()
		l.settle(c, err)
	}
}

func soError(fd int) error {
	v, err := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_ERROR)
	if err != nil {
		return err
	}
	if v != 0 {
		return unix.Errno(v)
	}
	return nil
}

// readStopped reports whether c must not be read now.
func (c *Conn) readStopped() bool {
	return c.paused.Load() || c.flag(fBackpressure) || (c.flag(fClosing) && c.phase == phaseOpen) || c.eof
}

// maxReads bounds the reads of one connection per pass, so that a peer
// that sends without pause cannot starve the loop's other connections.
const maxReads = 16

// read reads c until the socket is drained (a short read), delivering the
// bytes to OnData, or discards them while lingering. e is the event mask
// that prompted the read (0 when the loop reads on its own). After
// maxReads full reads it puts c on the loop's again list, to be read in
// the next pass: the edge that announced its input will not come back.
func (l *loop) read(c *Conn, e uint32) {
	for reads := 0; c.phase != phaseDead; reads++ {
		if c.pausedIn && len(c.in) > 0 && !c.paused.Load() {
			// The handler paused in its last OnData and another goroutine
			// has resumed it since (a task that finished a message), maybe
			// before OnData returned: the opResume that posted presents
			// the kept input before reading more. Reading on here would
			// append to the kept input, which such a handler takes a
			// message at a time, until it passed MaxPending.
			return
		}
		if reads == maxReads {
			if !c.again {
				c.again = true
				l.again = append(l.again, c)
			}
			return
		}
		if c.phase == phaseOpen && c.readStopped() {
			if !c.eof {
				c.readPending = true
			}
			return
		}
		c.readPending = false
		if !c.startLoopRead() {
			return // a TryRead holds the socket; it asks again
		}
		n, err := unix.Read(c.fd, l.buf)
		if n > 0 {
			c.lastActive = l.now
			if c.phase == phaseOpen { // while lingering, input is discarded
				l.stats.read(n)
				c.bytesIn.Add(int64(n))
				if c.layer != nil {
					l.input(c, l.buf[:n])
				} else {
					l.deliver(c, l.buf[:n])
				}
			}
			if len(c.in) > 0 { // dKept before dLoopReading is cleared
				c.direct.Or(dKept)
				c.direct.And(^dLoopReading)
			} else {
				c.direct.And(^(dLoopReading | dKept))
			}
			// A short read drained the socket, and any later input
			// raises a new edge. That holds only for a read prompted by
			// a fresh edge without FIN: reads of our own (resume,
			// drain) go on to EAGAIN, since their edges were consumed
			// while reading was stopped.
			if n < len(l.buf) && e&poll.In != 0 && e&(poll.RDHup|poll.Hup) == 0 {
				return
			}
			continue
		}
		c.direct.And(^dLoopReading)
		switch err {
		case nil: // EOF
			l.onEOF(c)
			return
		case unix.EAGAIN:
			return
		case unix.EINTR:
			continue
		default:
			l.closeNow(c, err)
			return
		}
	}
}

// deliver presents data (after any kept input) to OnData and keeps what
// it does not consume.
func (l *loop) deliver(c *Conn, data []byte) {
	if len(c.in) > 0 {
		if len(c.in)+len(data) > l.r.cfg.MaxPending {
			l.closeNow(c, ErrPendingTooLarge)
			return
		}
		c.in = append(c.in, data...)
		data = c.in
	}
	l.present(c, data)
}

// input passes bytes read from the socket (or none, on resume) through
// c's layer and delivers the plaintext. It reports whether the layer
// produced any.
func (l *loop) input(c *Conn, in []byte) bool {
	out, err := c.layer.Input(l.lbuf[:0], in)
	if err != nil && err != io.EOF {
		l.closeNow(c, err)
		return true
	}
	if cap(out) <= maxPooled {
		l.lbuf = out[:0] // keep what the layer grew, within reason
	}
	if len(out) > 0 {
		l.deliver(c, out)
	}
	if err == io.EOF && c.phase == phaseOpen && !c.eof {
		l.onEOF(c) // the layer's stream ended (TLS close_notify)
		return true
	}
	return len(out) > 0
}

// present calls OnData with data, which is either scratch or c.in.
func (l *loop) present(c *Conn, data []byte) {
	for {
		h, switched := l.enter(c)
		n := 0
		// A handler that has just received OnOpen by a hand-off may have
		// paused reading or closed: it then gets the input later, or never.
		if !switched || !c.readStopped() {
			c.direct.And(^dPauseCalled)
			n = h.OnData(c, data)
			c.pausedIn = c.direct.Load()&dPauseCalled != 0
			if n < 0 || n > len(data) {
				panic("reactor: OnData consumed a count outside [0, len(data)]")
			}
		}
		rest := data[n:]
		if len(rest) > 0 && c.flag(fHanding) && !c.readStopped() {
			// OnData handed the connection off: the new handler gets the
			// rest in the same bracket, without a copy.
			data = rest
			continue
		}
		switch {
		case len(rest) == 0:
			if c.in != nil {
				l.putIn(c.in)
				c.in = nil
			}
		case c.in != nil: // data was c.in: shift the rest to the front
			c.in = c.in[:copy(c.in, rest)]
		default:
			if len(rest) > l.r.cfg.MaxPending {
				l.leave(c)
				l.closeNow(c, ErrPendingTooLarge)
				return
			}
			c.in = append(l.getIn(len(rest)), rest...)
		}
		l.leave(c)
		return
	}
}

func (l *loop) getIn(n int) []byte {
	if k := len(l.spare); k > 0 && n <= minBuf {
		b := l.spare[k-1]
		l.spare[k-1] = nil
		l.spare = l.spare[:k-1]
		return b[:0]
	}
	return make([]byte, 0, max(n, minBuf))
}

func (l *loop) putIn(b []byte) {
	if cap(b) == minBuf && len(l.spare) < 64 {
		l.spare = append(l.spare, b[:0])
	}
}

// onEOF handles the peer's FIN.
func (l *loop) onEOF(c *Conn) {
	c.eof = true
	if c.phase == phaseLingering {
		l.closeNow(c, nil)
		return
	}
	if c.in != nil {
		l.putIn(c.in)
		c.in = nil
	}
	if _, ok := c.h.(EOFHandler); ok || c.flag(fHanding) {
		h, _ := l.enter(c)
		if eh, ok := h.(EOFHandler); ok {
			eh.OnEOF(c)
			l.leave(c)
			return
		}
		l.leave(c)
		if c.phase != phaseOpen || c.flag(fClosing) {
			return
		}
	}
	c.requestClose()
	l.settle(c, nil)
}

// resume reads c again after ResumeRead, re-presenting kept input first
// (and, with a layer, what the layer holds).
func (l *loop) resume(c *Conn) {
	if c.readStopped() {
		return
	}
	c.pausedIn = false
	c.layerWake = false
	delivered := false
	if c.layer != nil && c.startLoopRead() { // a TryRead decoding holds the layer; it asks again
		delivered = l.input(c, nil)
		if len(c.in) > 0 { // as after a read
			c.direct.Or(dKept)
			c.direct.And(^dLoopReading)
		} else {
			c.direct.And(^(dLoopReading | dKept))
		}
	}
	if c.phase != phaseOpen {
		return
	}
	if !delivered && len(c.in) > 0 {
		l.present(c, c.in)
		if c.phase != phaseOpen {
			return
		}
	}
	l.read(c, 0)
}
