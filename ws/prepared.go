package ws

import (
	"context"
	"errors"
)

// PreparedMessage is a message encoded once as a server's frames, to be
// written to many connections: a broadcast costs one encoding and, per
// connection, one write of the same bytes (the reactor copies them only
// for a connection whose socket does not take them at once). It is
// immutable and safe for concurrent use.
type PreparedMessage struct {
	typ     MessageType
	payload []byte // for client connections, whose frames are masked each time
	frames  []byte // the server's frames: header and payload, fragmented as WriteMessage does
}

// NewPreparedMessage encodes a message of type typ with a copy of p.
func NewPreparedMessage(typ MessageType, p []byte) (*PreparedMessage, error) {
	if typ != TextMessage && typ != BinaryMessage {
		return nil, errors.New("ws: invalid message type")
	}
	m := &PreparedMessage{typ: typ, payload: append([]byte(nil), p...)}
	op := opcode(typ)
	b := make([]byte, 0, len(p)+maxHeader*(1+len(p)/fragmentSize))
	for {
		k := min(len(p), fragmentSize)
		fin := k == len(p)
		b = appendHeader(b, op, fin, false, k, false, [4]byte{})
		b = append(b, p[:k]...)
		if fin {
			break
		}
		p, op = p[k:], opContinuation
	}
	m.frames = b
	return m, nil
}

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
	if err := c.room(ctx, len(m.frames)); err != nil {
		return err
	}
	c.wmu.Lock()
	defer c.wmu.Unlock()
	c.mu.Lock()
	closed := c.sentClose || c.done
	c.mu.Unlock()
	if closed {
		return ErrClosed
	}
	c.fmu.Lock() // not under mu: see Conn.fmu
	defer c.fmu.Unlock()
	if c.closeWritten {
		return ErrClosed
	}
	_, err := c.t.Write(m.frames)
	return err
}
