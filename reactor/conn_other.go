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
	r       *Reactor
	nc      net.Conn
	dialed  bool // Dial made it
	paused  atomic.Bool
	resumed atomic.Bool   // ResumeRead: deliver kept input and the layer's
	wake    chan struct{} // a token when ResumeRead or Close wants the reader

	// cb is held while a callback runs, so that callbacks never overlap;
	// the fields below it are guarded by cb.
	cb   sync.Mutex
	h    Handler // the connection's handler (Handoff replaces it)
	in   []byte  // unconsumed input
	eof  bool    // the peer's FIN has been read
	lbuf []byte  // the layer's output (Layer.Input's dst)

	mu sync.Mutex
	// Guarded by mu; never held across a blocking call.
	closed    bool
	cw        bool
	reason    error
	readAt    time.Time
	writeAt   time.Time
	inCB      bool    // a callback runs (cb is held by it)
	next      Handler // a hand-off not yet taken effect
	layer     Layer
	layerShut bool // the layer's CloseWrite has been called
}

func (c *Conn) serve(opened chan struct{}) {
	c.cb.Lock()
	c.h = c.r.h
	c.setInCB(true)
	c.h.OnOpen(c)
	c.leave()
	if opened != nil {
		close(opened)
	}
	buf := make([]byte, c.r.cfg.ReadBufferSize)
	var err error
	for {
		if c.paused.Load() {
			<-c.wake
			if c.isClosed() {
				break
			}
			continue
		}
		if c.resumed.Swap(false) {
			c.cb.Lock()
			err = c.resumeLocked()
			c.unlockCB()
			if err == io.EOF { // the layer's stream ended
				err = nil
				c.onEOF()
				break
			}
			if err != nil {
				break
			}
			continue
		}
		c.mu.Lock()
		dl := c.readAt
		if d := c.r.cfg.IdleTimeout; d > 0 && (dl.IsZero() || time.Now().Add(d).Before(dl)) {
			dl = time.Now().Add(d)
		}
		c.mu.Unlock()
		c.nc.SetReadDeadline(dl)
		if c.resumed.Load() {
			continue // WakeLayer came meanwhile: its deadline was overwritten
		}
		n, rerr := c.nc.Read(buf)
		if n > 0 {
			c.cb.Lock()
			if c.isClosed() {
				// Close (a Shutdown's, another goroutine's) came while
				// the bytes were read: Close stops reading, so they are
				// discarded unseen, as unread input is, rather than
				// presented to a handler that can no longer answer.
				c.unlockCB()
				break
			}
			c.r.stats.read(n)
			c.bytesIn.Add(int64(n))
			err = c.receiveLocked(buf[:n])
			c.unlockCB()
			if err == io.EOF { // the layer's stream ended
				err, rerr = nil, io.EOF
			}
			if err != nil {
				break
			}
		}
		if rerr == io.EOF {
			c.onEOF()
			break
		}
		if rerr != nil {
			if errors.Is(rerr, os.ErrDeadlineExceeded) && c.resumed.Load() {
				continue // WakeLayer interrupted the read
			}
			err = c.translate(rerr)
			if err == ErrReadTimeout && c.offerReadTimeout() {
				continue
			}
			break
		}
	}
	if err == nil {
		c.closeLayer() // a graceful close: the layer says goodbye
	}
	c.mu.Lock()
	if c.reason != nil {
		err = c.reason
	}
	c.closed = true
	c.mu.Unlock()
	c.nc.Close()
	c.cb.Lock()
	h, _ := c.enterLocked() // a pending hand-off still opens its handler
	h.OnClose(c, err)
	c.setInCB(false)
	c.cb.Unlock()
}

func (c *Conn) isClosed() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.closed
}

func (c *Conn) setInCB(v bool) {
	c.mu.Lock()
	c.inCB = v
	c.mu.Unlock()
}

// enterLocked starts a callback (cb held) and returns the handler to call.
// A pending hand-off takes effect first: the new handler's OnOpen runs,
// and switched reports it.
func (c *Conn) enterLocked() (h Handler, switched bool) {
	c.mu.Lock()
	c.inCB = true
	for c.next != nil {
		next := c.next
		c.next = nil
		c.mu.Unlock()
		c.h = next
		next.OnOpen(c)
		switched = true
		c.mu.Lock()
	}
	c.mu.Unlock()
	return c.h, switched
}

// leave ends a callback: it carries out a hand-off the callback made and
// releases cb.
func (c *Conn) leave() {
	c.mu.Lock()
	pending := c.next != nil && !c.closed
	c.mu.Unlock()
	if pending {
		c.switchLocked()
	}
	c.unlockCB()
}

// unlockCB ends a callback, releases cb and carries out a hand-off requested meanwhile by
// a goroutine that could not take cb (Handoff tries it too, so one of the
// two always sees the other's work).
func (c *Conn) unlockCB() {
	for {
		c.setInCB(false)
		c.cb.Unlock()
		c.mu.Lock()
		pending := c.next != nil && !c.closed
		c.mu.Unlock()
		if !pending || !c.cb.TryLock() {
			return
		}
		c.switchLocked()
	}
}

// switchLocked carries out a pending hand-off (cb held): OnOpen, then the
// kept input unless reading is paused, then the peer's FIN if it came.
func (c *Conn) switchLocked() {
	h, _ := c.enterLocked()
	if len(c.in) > 0 && !c.paused.Load() {
		if err := c.presentLocked(c.in); err != nil {
			c.abort(err)
			return
		}
	}
	if c.eof {
		if eh, ok := h.(EOFHandler); ok {
			eh.OnEOF(c)
		} else {
			c.Close()
		}
	}
	c.mu.Lock()
	pending := c.next != nil && !c.closed
	c.mu.Unlock()
	if pending {
		c.switchLocked()
	}
}

// onEOF handles the peer's FIN, or the end of the layer's stream.
func (c *Conn) onEOF() {
	c.cb.Lock()
	c.eof = true
	c.in = nil
	h, _ := c.enterLocked()
	eh, ok := h.(EOFHandler)
	if ok {
		eh.OnEOF(c)
	}
	c.leave()
	if ok {
		c.waitClosed()
	}
}

// receiveLocked passes bytes read through the layer, if any, and presents
// them (cb held).
func (c *Conn) receiveLocked(data []byte) error {
	c.mu.Lock()
	ly := c.layer
	c.mu.Unlock()
	if ly == nil {
		return c.receivePlainLocked(data)
	}
	out, err := ly.Input(c.lbuf[:0], data)
	if err != nil && err != io.EOF {
		return err
	}
	c.lbuf = out[:0]
	if len(out) > 0 {
		if perr := c.receivePlainLocked(out); perr != nil {
			return perr
		}
	}
	return err // nil, or io.EOF: the layer's stream ended
}

// receivePlainLocked presents plaintext after any kept input (cb held).
func (c *Conn) receivePlainLocked(data []byte) error {
	if len(c.in) > 0 {
		c.in = append(c.in, data...)
		data = c.in
	}
	return c.presentLocked(data)
}

// resumeLocked delivers, after ResumeRead, the kept input and what the
// layer holds (cb held).
func (c *Conn) resumeLocked() error {
	c.mu.Lock()
	ly := c.layer
	c.mu.Unlock()
	if ly != nil {
		return c.receiveLocked(nil)
	}
	if len(c.in) > 0 {
		return c.presentLocked(c.in)
	}
	return nil
}

// presentLocked calls OnData with data (cb held) and keeps what it does
// not consume. A hand-off made by OnData takes effect at once, and the
// new handler gets the rest.
func (c *Conn) presentLocked(data []byte) error {
	for {
		h, switched := c.enterLocked()
		k := 0
		if !switched || !c.paused.Load() {
			k = h.OnData(c, data)
			if k < 0 || k > len(data) {
				panic("reactor: OnData consumed a count outside [0, len(data)]")
			}
		}
		rest := data[k:]
		c.mu.Lock()
		again := len(rest) > 0 && c.next != nil && !c.closed
		c.mu.Unlock()
		if again && !c.paused.Load() {
			data = rest
			continue
		}
		c.in = append(c.in[:0], rest...)
		if len(c.in) == 0 {
			c.in = nil
		}
		if len(c.in) > c.r.cfg.MaxPending {
			return ErrPendingTooLarge
		}
		return nil
	}
}

// offerReadTimeout clears the passed read deadline and asks the handler,
// if it implements ReadTimeoutHandler, whether to keep the connection.
func (c *Conn) offerReadTimeout() bool {
	c.cb.Lock()
	h, _ := c.enterLocked()
	rh, ok := h.(ReadTimeoutHandler)
	keep := false
	if ok {
		c.mu.Lock()
		c.readAt = time.Time{}
		c.mu.Unlock()
		keep = rh.OnReadTimeout(c)
	}
	c.leave()
	return keep
}

// shutdown is Shutdown's request to one connection.
func (c *Conn) shutdown() {
	c.cb.Lock()
	h, _ := c.enterLocked()
	if sh, ok := h.(ShutdownHandler); ok {
		sh.OnShutdown(c)
	} else {
		c.Close()
	}
	c.leave()
}

// waitClosed blocks the reader after OnEOF until the handler closes. (A
// Read would return at once: the socket is at EOF.)
func (c *Conn) waitClosed() {
	for !c.isClosed() {
		<-c.wake // Close sends a token
	}
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
	ly := c.layer
	c.mu.Unlock()
	if ly != nil {
		return ly.Output(p)
	}
	return c.writeRaw(p)
}

// writeRaw writes beneath the layer; it blocks until the socket has taken
// p or the write deadline passes (set on nc by setDeadline).
func (c *Conn) writeRaw(p []byte) (int, error) {
	c.mu.Lock()
	closed := c.closed || c.cw
	if !c.writeAt.IsZero() && !time.Now().Before(c.writeAt) {
		// The deadline passed with no Write blocked: it is cleared (as a
		// deadline that passes with an empty queue is on Linux), not left
		// to fail this Write.
		c.writeAt = time.Time{}
		c.nc.SetWriteDeadline(time.Time{})
	}
	c.mu.Unlock()
	if closed {
		return 0, ErrClosed
	}
	n, err := c.nc.Write(p)
	if n > 0 {
		c.r.stats.wrote(n)
		c.bytesOut.Add(int64(n))
	}
	switch {
	case err == nil:
	case errors.Is(err, net.ErrClosed): // Close came meanwhile
		err = ErrClosed
	default:
		if errors.Is(err, os.ErrDeadlineExceeded) {
			err = ErrWriteTimeout
		}
		// A write that failed (a reset, a passed write deadline) closes
		// the connection with its error, as on Linux: the socket reports
		// the error once, and the reader would otherwise see only EOF.
		c.fail(err)
	}
	return n, err
}

func (c *Conn) buffered() int { return 0 }

func (c *Conn) sendFile([]byte, *os.File, int64, int) (int, error) { return 0, errNoSendFile }

func (c *Conn) tryWrite([]byte) (int, error) { return 0, nil }

func (c *Conn) tryWritev([]byte, []byte) (int, error) { return 0, errNoDirect }

func (c *Conn) tryRead([]byte) (int, error) { return 0, errNoDirect }

func (c *Conn) setLingerTimeout(time.Duration) {} // Close never lingers here

func (c *Conn) readRaw(p, q []byte) (int, error) { return 0, errNoDirect }

func (c *Conn) close() {
	c.closeLayer()
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return
	}
	c.closed = true
	c.mu.Unlock()
	c.wakeReader()
	c.nc.Close()
}

// fail closes the connection at once with err, without the layer's
// goodbye: its socket failed, and a writer beneath the layer may hold the
// layer's locks (crypto/tls holds its output lock across the write).
func (c *Conn) fail(err error) {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return
	}
	if c.reason == nil {
		c.reason = err
	}
	c.closed = true
	c.mu.Unlock()
	c.wakeReader()
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
	c.closeLayer()
	c.mu.Lock()
	defer c.mu.Unlock()
	c.cw = true
	if cw, ok := c.nc.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}

// closeLayer calls the layer's CloseWrite once, before the first Close or
// CloseWrite takes effect, so that what it writes is still sent.
func (c *Conn) closeLayer() {
	c.mu.Lock()
	cw, ok := c.layer.(closeWriter)
	if !ok || c.layerShut || c.closed || c.cw {
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
	if !c.inCB {
		panic("reactor: SetLayer outside the connection's callbacks")
	}
	if c.layer != nil {
		panic("reactor: SetLayer called twice")
	}
	c.layer = l
}

func (c *Conn) handoff(h Handler) error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return ErrClosed
	}
	if c.next != nil {
		c.mu.Unlock()
		return errHandoffPending
	}
	c.next = h
	inCB := c.inCB
	c.mu.Unlock()
	if !inCB && c.cb.TryLock() {
		c.switchLocked()
		c.unlockCB()
	}
	return nil
}

// resume has the reader deliver what is kept, and wakes it if it waits
// for ResumeRead.
func (c *Conn) resume() {
	c.resumed.Store(true)
	c.wakeReader()
}

// wakeLayer has the reader call the layer's Input with nothing: it
// interrupts a blocked read by moving the read deadline to now.
func (c *Conn) wakeLayer() {
	c.resumed.Store(true)
	c.wakeReader()
	c.nc.SetReadDeadline(time.Now())
}

func (c *Conn) wakeReader() {
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

// notePause: only the Linux loop needs to know (loop.present).
func (c *Conn) notePause() {}
