//go:build !reactor_portable

package reactor

// This file keeps each connection's earliest deadline on the loop's timer
// wheel and acts when one passes.

// arm makes sure c's earliest deadline is on the wheel. The wheel keeps an
// earlier entry when a deadline moves later (the common case: the idle
// deadline moves on every read); expire re-arms it when it fires.
func (l *loop) arm(c *Conn) {
	at := l.deadline(c)
	if at == 0 {
		l.wheel.Stop(int(c.idx))
		return
	}
	if cur, ok := l.wheel.When(int(c.idx)); ok && cur <= at {
		return
	}
	l.wheel.Set(int(c.idx), at)
}

// deadline returns c's earliest deadline on the loop clock, or 0.
func (l *loop) deadline(c *Conn) int64 {
	at := int64(0)
	early := func(t int64) {
		if t != 0 && (at == 0 || t < at) {
			at = t
		}
	}
	early(c.readAt.Load())
	early(c.writeAt.Load())
	if d := l.r.cfg.IdleTimeout; d > 0 && c.phase == phaseOpen {
		early(c.lastActive + int64(d))
	}
	return at
}

// expire is the wheel's callback: it closes c if one of its deadlines has
// passed and re-arms it otherwise.
func (l *loop) expire(id int) {
	c := l.conns[id]
	if c == nil {
		return
	}
	now := l.now
	if at := c.readAt.Load(); at != 0 && at <= now {
		if c.phase == phaseLingering {
			// Discard what arrived since the last read first: closing
			// with unread input would reset the connection and destroy
			// output the kernel still holds for the peer.
			l.read(c, 0)
			l.closeNow(c, nil)
		} else if !l.offerReadTimeout(c, at) {
			l.closeNow(c, ErrReadTimeout)
		}
		return
	}
	if at := c.writeAt.Load(); at != 0 && at <= now {
		if c.stalled() {
			l.closeNow(c, ErrWriteTimeout)
			return
		}
		c.writeAt.CompareAndSwap(at, 0)
	}
	if d := l.r.cfg.IdleTimeout; d > 0 && c.phase == phaseOpen && c.lastActive+int64(d) <= now {
		l.closeNow(c, ErrIdleTimeout)
		return
	}
	l.arm(c)
}

// offerReadTimeout clears c's passed read deadline and asks the handler, if
// it implements ReadTimeoutHandler, whether to keep c. It reports whether c
// stays open (and is then armed again).
func (l *loop) offerReadTimeout(c *Conn, at int64) bool {
	if _, ok := c.h.(ReadTimeoutHandler); !ok && !c.flag(fHanding) {
		return false
	}
	c.readAt.CompareAndSwap(at, 0)
	h, switched := l.enter(c)
	keep := false
	if rh, ok := h.(ReadTimeoutHandler); ok {
		keep = rh.OnReadTimeout(c)
	}
	l.leave(c)
	if switched && c.phase == phaseOpen && keep {
		l.afterSwitch(c)
	}
	if c.phase == phaseDead {
		return true // the handler closed it, or leave found it broken
	}
	if !keep {
		return false
	}
	l.arm(c)
	return true
}
