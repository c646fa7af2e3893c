package ws

import (
	"context"
	"io"
)

// inbox holds the piece of a message that a connection without a Handler
// has received and the reader (ReadMessage, a MessageReader) has not yet
// taken: one at most, reading pauses meanwhile, so a reader that falls
// behind holds back the peer (TCP flow control) instead of growing memory.
// A message arrives in pieces as its bytes do (what one read brought of
// one frame), so a large one needs no buffer of its size unless
// ReadMessage assembles it. Its first fields are guarded by Conn.mu.
type inbox struct {
	full  bool
	typ   MessageType
	msg   []byte
	final bool          // msg is the message's last piece
	ready chan struct{} // signalled when a piece arrives or the connection ends

	// The reader's side, used by one reading goroutine at a time, without
	// a lock.
	//
	// mid: the reader has taken pieces of a message, not its last one.
	// acc and accTyp: what a cancelled ReadMessage had assembled of it.
	// cur and curFinal: what a MessageReader has not yet returned of its
	// piece. gen counts messages begun, so that a stale MessageReader
	// reads nothing of a later message.
	mid      bool
	acc      []byte
	accTyp   MessageType
	cur      []byte
	curFinal bool
	gen      uint64
}

func (b *inbox) putLocked(typ MessageType, m []byte, final bool) {
	b.full, b.typ, b.msg, b.final = true, typ, m, final
	b.signalLocked()
}

func (b *inbox) signalLocked() {
	if b.ready == nil {
		return
	}
	select {
	case b.ready <- struct{}{}:
	default:
	}
}

func (b *inbox) closeLocked() { b.signalLocked() }

// take waits for the next piece and takes it; reading resumes.
func (c *Conn) take(ctx context.Context) (typ MessageType, p []byte, final bool, err error) {
	b := c.box()
	c.mu.Lock()
	for !b.full {
		if c.is(cDone) {
			err := c.result
			c.mu.Unlock()
			return 0, nil, false, err
		}
		ch := b.ready
		c.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return 0, nil, false, ctx.Err()
		}
		c.mu.Lock()
	}
	typ, p, final = b.typ, b.msg, b.final
	b.full, b.msg = false, nil
	c.mu.Unlock()
	c.resumeInput()
	return typ, p, final, nil
}

// skip discards the rest of a message the reader began and left.
func (c *Conn) skip(ctx context.Context) error {
	b := c.box()
	if b.cur != nil || b.curFinal {
		final := b.curFinal
		b.cur, b.curFinal = nil, false
		if final {
			b.mid = false
		}
	}
	for b.mid {
		_, _, final, err := c.take(ctx)
		if err != nil {
			return err
		}
		b.mid = !final
	}
	return nil
}

// ReadMessage waits for the next message and returns it whole; the
// caller owns data. It is for a connection made without a Handler
// (Upgrader.Upgrade, Dial); one goroutine at a time may read (with
// ReadMessage or NextReader). Control frames are answered on the reactor
// meanwhile, but only while a read is waiting or about to be made: between
// calls, reading pauses (so that a reader that falls behind holds the peer
// back instead of growing memory), and pings wait with it. The rest of a
// message that a MessageReader began and did not finish is discarded
// first. Once the connection is gone ReadMessage returns its *CloseError.
//
// # Cancellation
//
// If ctx ends first, ReadMessage returns ctx.Err() and no message is
// lost, even one it had begun to assemble: the next call returns the next
// message whole.
func (c *Conn) ReadMessage(ctx context.Context) (typ MessageType, data []byte, err error) {
	if c.h != nil {
		return 0, nil, errHandlerReads
	}
	b := c.box()
	b.gen++ // a MessageReader reads no more
	if b.acc == nil {
		if err := c.skip(ctx); err != nil {
			return 0, nil, err
		}
	}
	for {
		typ, p, final, err := c.take(ctx)
		if err != nil {
			return 0, nil, err
		}
		if b.acc == nil {
			if final {
				if p == nil {
					p = []byte{}
				}
				return typ, p, nil // a message in one piece: no copy
			}
			b.accTyp, b.acc, b.mid = typ, p, true
			if b.acc == nil {
				b.acc = []byte{}
			}
			continue
		}
		b.acc = append(b.acc, p...)
		if final {
			typ, data = b.accTyp, b.acc
			b.acc, b.mid = nil, false
			return typ, data, nil
		}
	}
}

// MessageReader reads one message as it arrives, piece by piece, from a
// connection without a Handler: memory stays bounded by what one read of
// the socket brings, whatever the message's size. It is returned by
// [Conn.NextReader] and valid until the next NextReader or ReadMessage.
type MessageReader struct {
	c   *Conn
	ctx context.Context // NextReader's: bounds every Read (an io.Reader takes none)
	gen uint64
}

// NextReader waits for the next message and returns its type and a
// reader of its payload, which returns io.EOF at the message's end. The
// rest of a message that an earlier reader did not finish is discarded
// first. Reading pauses while the reader has a piece it has not returned,
// so a slow consumer holds the peer back. One goroutine at a time may
// read the connection.
//
// # Cancellation
//
// ctx bounds the wait for the message and every Read of the reader (an
// io.Reader takes no ctx of its own): once it ends they return ctx.Err().
// A NextReader cancelled before the message began loses nothing; a
// message whose Read was cancelled is discarded, the rest of it, by the
// next NextReader or ReadMessage.
func (c *Conn) NextReader(ctx context.Context) (MessageType, *MessageReader, error) {
	if c.h != nil {
		return 0, nil, errHandlerReads
	}
	b := c.box()
	if b.acc != nil { // a cancelled ReadMessage's message: stream the rest
		b.acc = nil
	}
	if err := c.skip(ctx); err != nil {
		return 0, nil, err
	}
	typ, p, final, err := c.take(ctx)
	if err != nil {
		return 0, nil, err
	}
	b.gen++
	b.mid, b.cur, b.curFinal = !final, p, final
	return typ, &MessageReader{c: c, ctx: ctx, gen: b.gen}, nil
}

// Read reads the message's payload as it arrives; it returns io.EOF after
// the last byte, and the connection's *CloseError if it ends before.
func (r *MessageReader) Read(p []byte) (int, error) {
	b := r.c.box()
	if r.gen != b.gen {
		return 0, errStaleReader
	}
	for len(b.cur) == 0 {
		if b.curFinal {
			b.cur = nil
			return 0, io.EOF
		}
		_, q, final, err := r.c.take(r.ctx)
		if err != nil {
			return 0, err
		}
		b.cur, b.curFinal, b.mid = q, final, !final
	}
	n := copy(p, b.cur)
	b.cur = b.cur[n:]
	return n, nil
}

var (
	errHandlerReads = errorString("ws: read on a connection served by a Handler")
	errStaleReader  = errorString("ws: MessageReader used after the next NextReader or ReadMessage")
)

type errorString string

func (e errorString) Error() string { return string(e) }
