package ws

import (
	"time"

	"github.com/shio-rt/shio/reactor"
)

// events is a Conn seen as the reactor handler of its connection (the
// connection is handed to it by an upgrade or a dial). Its methods run on
// the connection's loop.
type events Conn

var (
	_ reactor.Handler            = (*events)(nil)
	_ reactor.DrainHandler       = (*events)(nil)
	_ reactor.ShutdownHandler    = (*events)(nil)
	_ reactor.ReadTimeoutHandler = (*events)(nil)
)

func (e *events) OnOpen(rc *reactor.Conn) {
	// The attachment is this handler's now (http1.Upgrade's rconn no
	// longer needs it, and would otherwise stay reachable through it).
	rc.Attach((*Conn)(e))
	(*Conn)(e).open()
}

func (e *events) OnData(_ *reactor.Conn, data []byte) int { return (*Conn)(e).input(data) }

func (e *events) OnDrain(*reactor.Conn) { (*Conn)(e).onDrain() }

// OnShutdown: a server going down says so with 1001 and waits (up to
// CloseTimeout) for the peer's answer.
func (e *events) OnShutdown(*reactor.Conn) {
	c := (*Conn)(e)
	c.Close(StatusGoingAway, "server shutting down")
	c.mu.Lock()
	done := c.is(cDone)
	c.mu.Unlock()
	if done {
		c.t.Close()
	}
}

func (e *events) OnReadTimeout(*reactor.Conn) bool { return (*Conn)(e).tick() }

func (e *events) OnClose(_ *reactor.Conn, err error) {
	c := (*Conn)(e)
	c.joinWriter() // the portable reactor's: the connection is closed, its writes end
	c.finish(err)
}

// open starts the connection: the Handler's OnOpen, the keep-alive timer,
// then the input that came with the hand-off.
func (c *Conn) open() {
	// First: a Close in OnOpen arms the close timeout instead. A Close
	// before (a shutdown as the connection was handed over) has armed it.
	c.mu.Lock()
	closing := c.is(cSentClose)
	c.mu.Unlock()
	if !closing {
		c.armTick()
	}
	if c.h != nil {
		c.h.OnOpen(c)
	}
	if c.x != nil && c.x.pre != nil {
		c.input(nil) // the bytes that came with the hand-off
	}
}

// input is OnData: input kept from before the connection opened, if any,
// goes first.
func (c *Conn) input(data []byte) int {
	if c.x == nil || c.x.pre == nil {
		return c.onData(data)
	}
	pre := append(c.x.pre, data...)
	c.x.pre = nil
	// Set before a message can reach a reader (who looks at it when it
	// resumes reading), cleared below if nothing is left.
	c.x.backlog.Store(true)
	if n := c.onData(pre); n < len(pre) {
		c.x.pre = append(pre[:0], pre[n:]...)
	}
	c.x.backlog.Store(c.x.pre != nil && c.in.has(inStop))
	return len(data)
}

// resumeInput resumes reading after a message was taken (ReadMessage) or
// handled (a task). Input kept in pre is not the reactor's, which
// presents only what it holds itself: if some is waiting, the loop is
// asked to present it through the read deadline (OnReadTimeout, at the
// reactor's next timer tick), so that messages the peer sent with the
// opening handshake do not wait for new input.
func (c *Conn) resumeInput() {
	c.paused.Store(false)
	c.t.ResumeRead()
	if c.x != nil && c.x.backlog.Load() {
		c.t.SetReadDeadline(time.Now())
	}
}

// The keep-alive runs on the reactor's read deadline, set once per
// PingInterval, not per message: tick checks whether anything arrived
// since the last one; if nothing did it sends a ping and waits
// PongTimeout for any input. Input of any kind proves the peer alive. The
// same deadline bounds the close handshake.

// armTick sets the read deadline for the next keep-alive check.
func (c *Conn) armTick() {
	d := c.lim.ping
	if d <= 0 {
		d = c.lim.idle
	}
	if d > 0 {
		c.t.SetReadDeadline(time.Now().Add(d))
	}
}

// tick is OnReadTimeout: it reports whether the connection stays open.
func (c *Conn) tick() bool {
	if c.x != nil && c.x.backlog.Load() && !c.paused.Load() {
		// Asked by resumeInput: restore the timer this deadline
		// displaced, then present the kept input (in this order, so that
		// a reader that takes a message meanwhile and asks again is not
		// overridden).
		c.mu.Lock()
		closing := c.is(cSentClose) || c.is(cRecvClose)
		c.mu.Unlock()
		if closing {
			c.armClose()
		} else {
			c.armTick()
		}
		c.input(nil)
		return true
	}
	c.mu.Lock()
	closing := c.is(cSentClose) || c.is(cRecvClose) || c.is(cDone)
	c.mu.Unlock()
	if closing {
		return false // the close handshake timed out
	}
	in := &c.in
	if c.paused.Load() {
		in.set(inHeard) // reading is paused: the silence is ours
	}
	heard, pinged := in.has(inHeard), in.has(inPinged)
	in.clear(inHeard)
	if pinged && !heard {
		return false // no answer to the ping
	}
	in.clear(inPinged)
	period := c.lim.ping
	if period <= 0 {
		period = c.lim.idle
	}
	if c.lim.idle > 0 {
		if in.has(inGotMessage) {
			in.idleTicks = 0
		} else {
			in.idleTicks++ // never past idle/period+1: the connection closes then
		}
		in.clear(inGotMessage)
		if time.Duration(in.idleTicks)*period >= c.lim.idle {
			c.Close(StatusGoingAway, "idle timeout")
			return true
		}
	}
	if c.lim.ping > 0 && !heard {
		if c.writeControl(opPing, nil) == nil {
			in.set(inPinged)
			c.t.SetReadDeadline(time.Now().Add(c.lim.pong))
			return true
		}
	}
	c.armTick()
	return true
}
