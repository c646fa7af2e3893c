package ws

import (
	"context"
	"crypto/rand"
	"errors"
	"sync"
	"time"
)

var (
	// ErrClosed is returned by writes after the connection sent or
	// received a close frame, or is gone.
	ErrClosed = errors.New("ws: connection closed")
	// ErrQueueFull is returned by TryWriteMessage when the message does
	// not fit in the outbound queue and the policy is OverflowWait.
	ErrQueueFull = errors.New("ws: outbound queue full")
	// ErrDropped is returned by a write that the OverflowDrop policy
	// dropped.
	ErrDropped = errors.New("ws: message dropped: outbound queue full")
	// ErrOverflowClosed is returned by a write that made the OverflowClose
	// policy close the connection.
	ErrOverflowClosed = errors.New("ws: outbound queue full: connection closed")
	// errBadCode is returned by Close for a code that may not be sent.
	errBadCode = errors.New("ws: invalid close code")
)

// fragmentSize is the largest frame a long message is cut into, so that
// control frames (a pong, a close) can pass between its fragments.
const fragmentSize = 64 << 10

// coalesce is the size up to which a frame's header and payload are
// copied into one buffer and written with one call.
const coalesce = 16 << 10

var framePool = sync.Pool{New: func() any { b := make([]byte, 0, coalesce+maxHeader); return &b }}

// WriteMessage writes a message of type typ. It waits, while the
// outbound queue is too full for it and the Overflow policy is
// OverflowWait, until the queue drains; with the other policies it drops
// the message (ErrDropped) or closes the connection (ErrOverflowClosed).
// It returns ErrClosed once a close frame has been sent or received.
// Messages larger than 64 KiB go out in 64 KiB fragments, between which
// control frames may pass.
//
// WriteMessage must not wait from a Handler's callback (the queue drains
// on the loop the callback holds): callbacks use TryWriteMessage.
//
// # Cancellation
//
// If ctx ends while WriteMessage waits for room, it returns ctx.Err() and
// nothing of the message was written. Once writing has begun, the message
// is queued whole and ctx is no longer consulted.
func (c *Conn) WriteMessage(ctx context.Context, typ MessageType, p []byte) error {
	return c.writeMessage(ctx, typ, p)
}

// TryWriteMessage is WriteMessage that never waits: where WriteMessage
// would wait for room it returns ErrQueueFull and writes nothing. It is
// the write for a Handler's callbacks.
func (c *Conn) TryWriteMessage(typ MessageType, p []byte) error {
	return c.writeMessage(nil, typ, p)
}

func (c *Conn) writeMessage(ctx context.Context, typ MessageType, p []byte) error {
	if typ != TextMessage && typ != BinaryMessage {
		return errors.New("ws: invalid message type")
	}
	rsv1 := false
	if d := c.deflate(); d != nil && len(p) >= d.threshold {
		bp := msgPool.Get().(*[]byte)
		if z, ok := d.compress((*bp)[:0], p); ok {
			p, rsv1 = z, true
			defer func() { *bp = z[:0]; msgPool.Put(bp) }()
		} else {
			msgPool.Put(bp)
		}
	}
	size := len(p) + maxHeader*(1+len(p)/fragmentSize)
	if err := c.room(ctx, size); err != nil {
		return err
	}
	if err := c.claim(ctx); err != nil {
		return err
	}
	defer c.wmu.Unlock()
	op := opcode(typ)
	for {
		k := min(len(p), fragmentSize)
		fin := k == len(p)
		c.mu.Lock()
		closed := c.is(cSentClose) || c.is(cDone)
		c.mu.Unlock()
		if closed {
			return ErrClosed
		}
		c.fmu.Lock()
		err := ErrClosed
		if !c.closeWritten {
			err = c.writeFrameLocked(op, fin, rsv1, p[:k])
		}
		c.fmu.Unlock()
		if err != nil || fin {
			return err
		}
		p, op, rsv1 = p[k:], opContinuation, false
	}
}

// room waits until size more bytes fit in the outbound queue (always
// once the queue is empty), or applies the Overflow policy. A nil ctx
// means the caller cannot wait.
func (c *Conn) room(ctx context.Context, size int) error {
	for {
		c.mu.Lock()
		if c.is(cSentClose) || c.is(cDone) {
			c.mu.Unlock()
			return ErrClosed
		}
		b := c.t.Buffered()
		if b == 0 || b+size <= c.lim.maxOutbound {
			c.mu.Unlock()
			return nil
		}
		switch c.lim.overflow {
		case OverflowDrop:
			c.mu.Unlock()
			return ErrDropped
		case OverflowClose:
			c.mu.Unlock()
			c.Close(c.lim.overflowCode, "outbound queue full")
			return ErrOverflowClosed
		}
		if ctx == nil {
			c.mu.Unlock()
			return ErrQueueFull
		}
		if c.drained == nil {
			c.drained = make(chan struct{})
		}
		ch := c.drained
		c.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// claim locks wmu for a message, once no MessageWriter has one open; a
// nil ctx means the caller cannot wait (ErrQueueFull).
func (c *Conn) claim(ctx context.Context) error {
	for {
		c.wmu.Lock()
		c.mu.Lock()
		switch {
		case c.is(cSentClose) || c.is(cDone):
			c.mu.Unlock()
			c.wmu.Unlock()
			return ErrClosed
		case !c.is(cWriting):
			c.mu.Unlock()
			return nil
		case ctx == nil:
			c.mu.Unlock()
			c.wmu.Unlock()
			return ErrQueueFull
		}
		if c.drained == nil {
			c.drained = make(chan struct{})
		}
		ch := c.drained
		c.mu.Unlock()
		c.wmu.Unlock()
		select {
		case <-ch: // a writer closed, the queue drained, or the connection ended
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// fits reports whether n more bytes fit in the outbound queue now (as
// room decides, without waiting or a policy).
func (c *Conn) fits(n int) bool {
	b := c.t.Buffered()
	return b == 0 || b+n <= c.lim.maxOutbound
}

// onDrain wakes the writers waiting for room.
func (c *Conn) onDrain() {
	c.mu.Lock()
	if c.drained != nil {
		close(c.drained)
		c.drained = nil
	}
	c.mu.Unlock()
}

// writeFrameLocked writes one frame, with fmu held; a client's is masked
// with a fresh key. A frame up to coalesce bytes goes out in one write.
func (c *Conn) writeFrameLocked(op opcode, fin, rsv1 bool, p []byte) error {
	var key [4]byte
	if c.client {
		rand.Read(key[:])
	}
	bp := framePool.Get().(*[]byte)
	defer framePool.Put(bp)
	b := appendHeader((*bp)[:0], op, fin, rsv1, len(p), c.client, key)
	if !c.client && len(p) > coalesce {
		// A server's large payload goes out from the caller's slice.
		if _, err := c.t.Write(b); err != nil {
			return err
		}
		_, err := c.t.Write(p)
		return err
	}
	pos := 0
	for {
		k := min(len(p), cap(b)-len(b))
		start := len(b)
		b = append(b, p[:k]...)
		if c.client {
			pos = mask(b[start:], key, pos)
		}
		p = p[k:]
		if _, err := c.t.Write(b); err != nil || len(p) == 0 {
			return err
		}
		b = b[:0]
	}
}

// writeControl writes a control frame; it returns ErrClosed after a close
// frame went out.
func (c *Conn) writeControl(op opcode, p []byte) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.is(cSentClose) || c.is(cDone) {
		return ErrClosed
	}
	c.fmu.Lock()
	defer c.fmu.Unlock()
	return c.writeFrameLocked(op, true, false, p)
}

// sendCloseLocked writes the close frame, after which nothing more is
// sent.
func (c *Conn) sendCloseLocked(code StatusCode, reason string) {
	if c.is(cSentClose) || c.is(cDone) {
		return
	}
	var buf [maxControlPayload]byte
	c.fmu.Lock()
	c.writeFrameLocked(opClose, true, false, appendClosePayload(buf[:0], code, reason))
	c.closeWritten = true
	c.fmu.Unlock()
	c.set(cSentClose)
}

// Ping sends a ping with payload (at most 125 bytes). It never waits.
func (c *Conn) Ping(payload []byte) error {
	if len(payload) > maxControlPayload {
		return errors.New("ws: ping payload over 125 bytes")
	}
	return c.writeControl(opPing, payload)
}

// Close starts the close handshake: it sends a close frame with code and
// reason (cut to fit 123 bytes) and returns at once; the connection closes
// when the peer answers, or after Config.CloseTimeout. code must be one a
// close frame may carry (1000-1003, 1007-1014, 3000-4999), or 0 for a
// close frame without a code. Messages that arrive after it are
// discarded, as is one waiting for ReadMessage. Close is idempotent: after the first call it
// returns nil and does nothing. It never blocks.
func (c *Conn) Close(code StatusCode, reason string) error {
	if code != 0 && !code.validWire() {
		return errBadCode
	}
	c.mu.Lock()
	if c.is(cSentClose) || c.is(cDone) {
		c.mu.Unlock()
		return nil
	}
	if code == 0 {
		code = StatusNoStatus
	}
	c.sendCloseLocked(code, reason)
	if c.result == nil {
		c.result = &CloseError{Code: code, Reason: reason}
	}
	recv := c.is(cRecvClose)
	// A message waiting for ReadMessage is dropped: the peer's close frame
	// behind it must be read for the handshake to complete.
	b := c.box()
	resume := b != nil && b.full
	if resume {
		b.full, b.msg = false, nil
	}
	c.mu.Unlock()
	if recv {
		c.t.Close()
		return nil
	}
	c.armClose()
	if resume {
		c.resumeInput() // after armClose: it may move the deadline to present kept input
	}
	return nil
}

// armClose bounds the wait for the peer's close frame (or, on a client,
// for the server to close the TCP connection) with CloseTimeout.
func (c *Conn) armClose() {
	if c.lim.close <= 0 {
		c.t.Close()
		return
	}
	c.t.SetReadDeadline(time.Now().Add(c.lim.close))
}
