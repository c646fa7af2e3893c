package ws

import (
	"sync"
)

// input is the state of a connection's reader between reads: where it is
// in a frame and in a message. It is owned by the input side. An idle
// connection's input holds no buffer.
type input struct {
	// The data frame being received, when inFrame: its payload bytes
	// still to come, its masking key and the key offset they start at.
	left int64

	// The message being received (msgOp != 0): its assembled bytes (a
	// pooled buffer in its pool box, nil until a fragment must be kept:
	// a pointer, not a slice, so that a Conn stays in its size class),
	// its length so far, and the UTF-8 state of a text message.
	msgLen int64
	msg    *[]byte

	// idleTicks (keep-alive, see Conn.tick): how many timer periods in a
	// row no message arrived.
	idleTicks uint32

	key    [4]byte
	keyPos uint8
	msgOp  opcode
	utf    utf8State
	// flags holds the input's booleans (inFrame …), one byte, so that a
	// Conn stays in its size class.
	flags inFlags
}

// inFlags are the input side's booleans.
type inFlags uint8

const (
	// inFrame: a data frame is being received; inFrameFin: it is its
	// message's last.
	inFrame inFlags = 1 << iota
	inFrameFin
	// inCompressed: the message is compressed (RSV1 on its first frame).
	inCompressed
	// inFailed: the connection was failed or closed; input is discarded.
	inFailed
	// inStop: a message went to the inbox and reading paused; the rest of
	// the input waits (onData runs again only after ResumeRead).
	inStop
	// Keep-alive (see Conn.tick): input arrived since the timer last
	// looked, a ping is unanswered, a message arrived since the timer last
	// looked.
	inHeard
	inPinged
	inGotMessage
)

func (in *input) has(f inFlags) bool { return in.flags&f != 0 }
func (in *input) set(f inFlags)      { in.flags |= f }
func (in *input) clear(f inFlags)    { in.flags &^= f }
func (in *input) put(f inFlags, on bool) {
	if on {
		in.flags |= f
	} else {
		in.flags &^= f
	}
}

// msgPool holds message buffers; an idle connection holds none.
var msgPool = sync.Pool{New: func() any { b := make([]byte, 0, 4<<10); return &b }}

const maxPooledMsg = 64 << 10

// release returns the message buffer, if any, to the pool.
func (in *input) release() {
	b := in.msg
	if b == nil {
		return
	}
	in.msg = nil
	if cap(*b) <= maxPooledMsg {
		*b = (*b)[:0]
		msgPool.Put(b)
	}
}

// assembled returns the bytes of the message assembled so far.
func (in *input) assembled() []byte {
	if in.msg == nil {
		return nil
	}
	return *in.msg
}

// appendMsg adds a fragment to the message being assembled.
func (in *input) appendMsg(p []byte) {
	if in.msg == nil {
		in.msg = msgPool.Get().(*[]byte)
		*in.msg = (*in.msg)[:0]
	}
	*in.msg = append(*in.msg, p...)
}

// onData parses input, delivers what completes and returns how much of
// data it consumed: everything but a partial frame header, a partial
// control frame, or what follows a message handed to ReadMessage (reading
// then pauses). The rest is presented again with more.
func (c *Conn) onData(data []byte) int {
	in := &c.in
	in.set(inHeard)
	in.clear(inStop)
	n := 0
	for n < len(data) {
		switch {
		case in.has(inFailed):
			return len(data)
		case in.has(inStop):
			return n
		}
		if in.has(inFrame) {
			n += c.payload(data[n:])
			continue
		}
		h, hl, err := parseHeader(data[n:])
		if err == errShortHeader {
			return n
		}
		if err != nil {
			c.fail(StatusProtocolError, err.Error())
			return len(data)
		}
		if code, why := c.check(&h); code != 0 {
			c.fail(code, why)
			return len(data)
		}
		rest := data[n+hl:]
		if h.op.control() {
			if int64(len(rest)) < h.length {
				return n // a partial control frame: at most 139 bytes kept
			}
			p := rest[:h.length]
			if h.masked {
				mask(p, h.key, 0)
			}
			n += hl + int(h.length)
			c.control(h.op, p)
			continue
		}
		if h.op != opContinuation {
			in.msgOp, in.msgLen, in.utf = h.op, 0, utf8State{}
			in.put(inCompressed, h.rsv != 0)
		}
		in.msgLen += h.length
		if h.fin && h.op != opContinuation && h.rsv == 0 && int64(len(rest)) >= h.length {
			// A whole message in this read: deliver it in place.
			p := rest[:h.length]
			if h.masked {
				mask(p, h.key, 0)
			}
			n += hl + int(h.length)
			if h.op == opText && c.lim.utf8 && !validUTF8(p) {
				c.fail(StatusInvalidData, "invalid UTF-8 in a text message")
				return len(data)
			}
			in.msgOp = 0
			c.deliver(MessageType(h.op), p, false)
			continue
		}
		n += hl
		in.left, in.key, in.keyPos = h.length, h.key, 0
		in.set(inFrame)
		in.put(inFrameFin, h.fin)
		if !h.masked {
			in.key = [4]byte{}
		}
		if h.length == 0 {
			if c.stream && !in.has(inCompressed) && h.fin {
				// An empty last fragment: the message's end is a piece.
				if in.msgOp == opText && c.lim.utf8 && !in.utf.complete() {
					c.fail(StatusInvalidData, "invalid UTF-8 in a text message")
					return len(data)
				}
				c.piece(MessageType(in.msgOp), nil, false, true)
			}
			c.endFrame()
		}
	}
	return n
}

// check validates a frame header against the protocol's rules and the
// limits, and returns the code to fail the connection with, or 0.
func (c *Conn) check(h *header) (StatusCode, string) {
	in := &c.in
	switch {
	case h.rsv == 4 && c.deflate() != nil && (h.op == opText || h.op == opBinary):
		// RSV1: a compressed message (permessage-deflate)
	case h.rsv != 0:
		return StatusProtocolError, "reserved bits set without an extension"
	case h.masked == c.client:
		if c.client {
			return StatusProtocolError, "masked frame from the server"
		}
		return StatusProtocolError, "unmasked frame from the client"
	}
	switch h.op {
	case opClose, opPing, opPong:
		if !h.fin {
			return StatusProtocolError, "fragmented control frame"
		}
		if h.length > maxControlPayload {
			return StatusProtocolError, "control frame payload over 125 bytes"
		}
		return 0, ""
	case opContinuation:
		if in.msgOp == 0 {
			return StatusProtocolError, "continuation frame without a message"
		}
	case opText, opBinary:
		if in.msgOp != 0 {
			return StatusProtocolError, "new message inside a fragmented one"
		}
	default:
		return StatusProtocolError, "reserved opcode"
	}
	if h.length > c.lim.maxFrame {
		return StatusMessageTooBig, "frame too large"
	}
	msgLen := h.length
	if h.op == opContinuation {
		msgLen += in.msgLen
	}
	if msgLen > c.lim.maxMessage {
		return StatusMessageTooBig, "message too large"
	}
	return 0, ""
}

// payload takes the bytes of the data frame being received from data,
// unmasks them in place, validates text and keeps them, and returns how
// many it took.
func (c *Conn) payload(data []byte) int {
	in := &c.in
	k := int(min(in.left, int64(len(data))))
	p := data[:k]
	in.keyPos = uint8(mask(p, in.key, int(in.keyPos)))
	in.left -= int64(k)
	if in.msgOp == opText && c.lim.utf8 && !in.has(inCompressed) && !in.utf.feed(p) {
		c.fail(StatusInvalidData, "invalid UTF-8 in a text message")
		return len(data)
	}
	if c.stream && !in.has(inCompressed) {
		// Streaming: the piece goes out as it is, nothing is kept.
		last := in.left == 0 && in.has(inFrameFin)
		if last && in.msgOp == opText && c.lim.utf8 && !in.utf.complete() {
			c.fail(StatusInvalidData, "invalid UTF-8 in a text message")
			return len(data)
		}
		if k > 0 {
			c.piece(MessageType(in.msgOp), p, false, last)
		}
	} else {
		in.appendMsg(p)
	}
	if in.left == 0 {
		c.endFrame()
	}
	return k
}

// endFrame ends the data frame being received and, after its last frame,
// the message.
func (c *Conn) endFrame() {
	in := &c.in
	in.clear(inFrame)
	if !in.has(inFrameFin) {
		return
	}
	op := in.msgOp
	in.msgOp = 0
	if in.has(inCompressed) {
		in.clear(inCompressed)
		out, tooBig, err := c.x.dfl.decompress(in.assembled(), c.lim.maxMessage)
		switch {
		case tooBig:
			c.fail(StatusMessageTooBig, "message too large once decompressed")
			return
		case err != nil:
			c.fail(StatusInvalidData, "invalid compressed data")
			return
		case op == opText && c.lim.utf8 && !validUTF8(out):
			c.fail(StatusInvalidData, "invalid UTF-8 in a text message")
			return
		}
		in.release()
		if out == nil {
			out = []byte{}
		}
		c.deliver(MessageType(op), out, true) // not pooled: its size is the decompressor's
		return
	}
	if c.stream {
		return // delivered piece by piece (payload)
	}
	if op == opText && c.lim.utf8 && !in.utf.complete() {
		c.fail(StatusInvalidData, "invalid UTF-8 in a text message")
		return
	}
	if in.msg == nil {
		c.deliver(MessageType(op), nil, false)
		return
	}
	c.deliver(MessageType(op), *in.msg, true)
	in.release() // unless the inbox or a task took it
}

// deliver hands a complete message to the Handler or to the inbox (then
// input stops until ReadMessage takes it). owned says that p is the
// input's message buffer, or one made for the message, which the inbox or
// a task may keep: the input then lets go of it.
func (c *Conn) deliver(typ MessageType, p []byte, owned bool) { c.piece(typ, p, owned, true) }

// piece hands a piece of a message to a StreamHandler or to the inbox,
// or a whole message (final, and every piece is whole unless c.stream)
// to OnMessage or a task.
func (c *Conn) piece(typ MessageType, p []byte, owned, final bool) {
	in := &c.in
	in.set(inGotMessage)
	if c.h != nil && !c.lim.tasks {
		if p == nil {
			p = []byte{}
		}
		if c.stream {
			c.h.(StreamHandler).OnFragment(c, typ, p, final)
		} else {
			c.h.OnMessage(c, typ, p)
		}
		return
	}
	var m []byte
	if owned {
		m, in.msg = p, nil
	} else {
		m = append(make([]byte, 0, len(p)), p...)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.h == nil && c.is(cSentClose) {
		return // closing: nobody will read it, and the peer's close must get through
	}
	in.set(inStop)
	c.paused.Store(true)
	c.t.PauseRead() // until ReadMessage takes it, or the task returns
	if c.h == nil {
		c.x.inbox.putLocked(typ, m, final)
		return
	}
	c.set(cTask)
	go c.runTask(typ, m)
}

// runTask runs OnMessage on a goroutine of its own (Config.HandlerTasks),
// then resumes reading, or, if the connection ended meanwhile, calls
// OnClose: the callbacks of a connection never overlap.
func (c *Conn) runTask(typ MessageType, m []byte) {
	if m == nil {
		m = []byte{}
	}
	c.h.OnMessage(c, typ, m)
	if cap(m) <= maxPooledMsg && cap(m) > 0 {
		b := m[:0]
		msgPool.Put(&b)
	}
	c.mu.Lock()
	c.unset(cTask)
	later, res, cause := c.x.closeLater, c.result, c.x.closeCause
	c.x.closeLater = false
	c.mu.Unlock()
	if later {
		c.closeHandler(res, cause)
		return
	}
	c.resumeInput()
}

// control acts on a control frame from the peer.
func (c *Conn) control(op opcode, p []byte) {
	switch op {
	case opPing:
		c.writeControl(opPong, p)
	case opPong:
		c.in.clear(inPinged)
	case opClose:
		c.onCloseFrame(p)
	}
}

// onCloseFrame answers the peer's close frame: it echoes it (the close
// handshake) unless this side sent one first, then, on the server, closes
// the TCP connection (RFC 6455 section 7.1.1); a client waits for the
// server to close, up to CloseTimeout.
func (c *Conn) onCloseFrame(p []byte) {
	code, reason, bad := parseClosePayload(p)
	if bad != 0 {
		if bad == StatusInvalidData && !c.lim.utf8 {
			code, reason = StatusCode(uint16(p[0])<<8|uint16(p[1])), string(p[2:])
		} else {
			c.fail(bad, "invalid close frame")
			return
		}
	}
	c.in.set(inFailed) // nothing after a close frame is read
	c.mu.Lock()
	c.set(cRecvClose)
	c.result = &CloseError{Code: code, Reason: reason, Remote: true}
	if !c.is(cSentClose) {
		c.sendCloseLocked(code, "")
	}
	c.mu.Unlock()
	if c.client {
		c.armClose()
		return
	}
	c.t.Close()
}

// fail fails the connection (RFC 6455 section 7.1.7): it sends a close
// frame with code, unless one went out already, stops reading and closes
// the TCP connection once the frame is flushed.
func (c *Conn) fail(code StatusCode, reason string) {
	c.in.set(inFailed)
	c.mu.Lock()
	if !c.is(cSentClose) {
		c.sendCloseLocked(code, reason)
		c.result = &CloseError{Code: code, Reason: reason}
	}
	c.mu.Unlock()
	c.t.Close()
}
