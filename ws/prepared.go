package ws

import (
	"context"
	"errors"
	"sync"
)

// PreparedMessage is a message encoded once as a server's frames, to be
// written to many connections: a broadcast costs one encoding and, per
// connection, one write of the same bytes (the reactor copies them only
// for a connection whose socket does not take them at once). The
// compressed variant, for connections that agreed on permessage-deflate,
// is also made once, by the first such connection written to (a second,
// Huffman-only one for peers that limited the window); every connection
// shares them. It is immutable and safe for concurrent use.
type PreparedMessage struct {
	typ     MessageType
	payload []byte // for client connections, whose frames are masked each time
	frames  []byte // the server's frames: header and payload, fragmented as WriteMessage does
	z       [2]compressed
}

// compressed is a PreparedMessage's permessage-deflate variant, made on
// first use; frames is nil when compression does not pay.
type compressed struct {
	once   sync.Once
	frames []byte
}

// framesFor returns the frames to write to c.
func (m *PreparedMessage) framesFor(c *Conn) []byte {
	d := c.deflate()
	if d == nil || len(m.payload) < d.threshold {
		return m.frames
	}
	i := 0
	if d.huffman {
		i = 1
	}
	z := &m.z[i]
	z.once.Do(func() {
		p, ok := d.compress(nil, m.payload)
		if ok {
			z.frames = encodeFrames(opcode(m.typ), p, true)
		}
	})
	if z.frames == nil {
		return m.frames
	}
	return z.frames
}

// encodeFrames encodes a server's message, fragmented as WriteMessage
// does; rsv1 marks it compressed (on its first frame only).
func encodeFrames(op opcode, p []byte, rsv1 bool) []byte {
	b := make([]byte, 0, len(p)+maxHeader*(1+len(p)/fragmentSize))
	for {
		k := min(len(p), fragmentSize)
		fin := k == len(p)
		b = appendHeader(b, op, fin, rsv1, k, false, [4]byte{})
		b = append(b, p[:k]...)
		if fin {
			return b
		}
		p, op, rsv1 = p[k:], opContinuation, false
	}
}

// NewPreparedMessage encodes a message of type typ with a copy of p.
func NewPreparedMessage(typ MessageType, p []byte) (*PreparedMessage, error) {
	if typ != TextMessage && typ != BinaryMessage {
		return nil, errors.New("ws: invalid message type")
	}
	m := &PreparedMessage{typ: typ, payload: append([]byte(nil), p...)}
	m.frames = encodeFrames(opcode(typ), p, false)
	return m, nil
}

// Len returns the length of the message's payload.
func (m *PreparedMessage) Len() int { return len(m.payload) }

// WritePreparedMessage writes m as WriteMessage writes a message,
// waiting for room under the same policy. A server connection writes the
// prepared frames with one call; a client connection encodes m's payload
// afresh (its frames are masked with a new key each time).
//
// # Cancellation
//
// As WriteMessage: if ctx ends while the write waits for room, it returns
// ctx.Err() and nothing was written.
func (c *Conn) WritePreparedMessage(ctx context.Context, m *PreparedMessage) error {
	return c.writePrepared(ctx, m)
}

// TryWritePreparedMessage is WritePreparedMessage that never waits (see
// TryWriteMessage): the write for a Handler's callbacks and for a
// broadcast loop that must not stall on one slow connection.
func (c *Conn) TryWritePreparedMessage(m *PreparedMessage) error {
	return c.writePrepared(nil, m)
}

func (c *Conn) writePrepared(ctx context.Context, m *PreparedMessage) error {
	if c.client {
		return c.writeMessage(ctx, m.typ, m.payload)
	}
	b := m.framesFor(c)
	if err := c.room(ctx, len(b)); err != nil {
		return err
	}
	return c.writeEncoded(ctx, b)
}

// writeEncoded writes a server's frames, encoded, as one message (a nil
// ctx: without waiting for a MessageWriter to close).
func (c *Conn) writeEncoded(ctx context.Context, b []byte) error {
	if err := c.claim(ctx); err != nil {
		return err
	}
	defer c.wmu.Unlock()
	c.mu.Lock()
	closed := c.is(cSentClose) || c.is(cDone)
	c.mu.Unlock()
	if closed {
		return ErrClosed
	}
	c.fmu.Lock() // not under mu: see Conn.fmu
	defer c.fmu.Unlock()
	if c.closeWritten {
		return ErrClosed
	}
	_, err := c.t.Write(b)
	return err
}
