package ws

import (
	"context"
	"errors"
)

// streamFragment is the size of the frames a MessageWriter sends.
const streamFragment = 16 << 10

// MessageWriter writes one message in fragments, as its bytes come: a
// message of any size costs one fragment's buffer (16 KiB). It is
// returned by [Conn.NextWriter]; while it is open, other messages wait
// for it (control frames pass between its fragments). Close sends the
// last fragment. A MessageWriter is for one goroutine.
type MessageWriter struct {
	c   *Conn
	ctx context.Context // NextWriter's: bounds every Write (an io.Writer takes none)
	op  opcode          // the next fragment's: the type, then continuation
	buf []byte
	err error
}

var errWriterClosed = errors.New("ws: MessageWriter closed")

// NextWriter opens a message of type typ, written with the returned
// writer's Write (fragments of 16 KiB go out as they fill) and ended with
// its Close. It waits while another MessageWriter has a message open, and
// returns ErrClosed once a close frame was sent or received. Fragments
// are not compressed. It is for goroutines: a Handler's callbacks, which
// must not wait, use TryWriteMessage.
//
// # Cancellation
//
// ctx bounds the wait for the message slot and for room in the outbound
// queue (OverflowWait) of every Write and Close of the writer (an
// io.Writer takes no ctx of its own). If it ends before a fragment was
// sent, NextWriter returns ctx.Err() and nothing was written; if it ends
// after, the message cannot be completed: Write and Close return
// ctx.Err() and the connection is closed with 1011, since a peer cannot
// be told that a message was abandoned.
func (c *Conn) NextWriter(ctx context.Context, typ MessageType) (*MessageWriter, error) {
	if typ != TextMessage && typ != BinaryMessage {
		return nil, errors.New("ws: invalid message type")
	}
	if err := c.claim(ctx); err != nil {
		return nil, err
	}
	c.mu.Lock()
	c.set(cWriting)
	c.mu.Unlock()
	c.wmu.Unlock()
	bp := framePool.Get().(*[]byte)
	return &MessageWriter{c: c, ctx: ctx, op: opcode(typ), buf: (*bp)[:0]}, nil
}

// Write adds p to the message, sending each full fragment.
func (w *MessageWriter) Write(p []byte) (int, error) {
	if w.err != nil {
		return 0, w.err
	}
	n := 0
	for len(p) > 0 {
		k := min(len(p), streamFragment-len(w.buf))
		w.buf = append(w.buf, p[:k]...)
		p, n = p[k:], n+k
		if len(w.buf) == streamFragment {
			if err := w.flush(false); err != nil {
				return n, err
			}
		}
	}
	return n, nil
}

// Close sends the message's last fragment (what Write left, possibly
// nothing) and lets other messages go. Calling it again returns the
// error of the first, or nil.
func (w *MessageWriter) Close() error {
	if w.buf == nil {
		if w.err == errWriterClosed {
			return nil
		}
		return w.err
	}
	err := w.err
	if err == nil {
		err = w.flush(true)
	}
	w.end()
	if err == nil {
		w.err = errWriterClosed
	}
	return err
}

// flush sends the buffered bytes as a fragment.
func (w *MessageWriter) flush(fin bool) error {
	c := w.c
	err := c.room(w.ctx, len(w.buf)+maxHeader)
	if err == nil {
		c.wmu.Lock()
		c.mu.Lock()
		if c.is(cSentClose) || c.is(cDone) {
			err = ErrClosed
		} else {
			err = c.writeFrameLocked(w.op, fin, false, w.buf)
		}
		c.mu.Unlock()
		c.wmu.Unlock()
	}
	if err != nil {
		w.err = err
		if !errors.Is(err, ErrClosed) {
			c.Close(StatusInternalError, "message abandoned")
		}
		w.end()
		return err
	}
	w.op, w.buf = opContinuation, w.buf[:0]
	return nil
}

// end gives the message slot back and wakes the writers waiting for it.
func (w *MessageWriter) end() {
	if w.buf == nil {
		return
	}
	b := w.buf[:0]
	framePool.Put(&b)
	w.buf = nil
	c := w.c
	c.mu.Lock()
	c.unset(cWriting)
	if c.drained != nil {
		close(c.drained)
		c.drained = nil
	}
	c.mu.Unlock()
}
