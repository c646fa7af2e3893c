package ws

import (
	"context"
)

// inbox holds the message that a connection without a Handler has
// received and ReadMessage has not yet taken: one at most, reading pauses
// meanwhile, so a reader that falls behind holds back the peer (TCP flow
// control) instead of growing memory. Its fields are guarded by Conn.mu.
type inbox struct {
	full  bool
	typ   MessageType
	msg   []byte
	ready chan struct{} // signalled when a message arrives or the connection ends
}

func (b *inbox) putLocked(typ MessageType, m []byte) {
	b.full, b.typ, b.msg = true, typ, m
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

// ReadMessage waits for the next message and returns it; the caller owns
// data. It is for a connection made without a Handler (Upgrader.Upgrade,
// Dial); one goroutine at a time may call it. Control frames are answered
// on the reactor meanwhile, but only while a ReadMessage is waiting or
// about to be called: between calls, reading pauses (so that a reader that
// falls behind holds the peer back instead of growing memory), and pings
// wait with it. Once the connection is gone ReadMessage returns its
// *CloseError.
//
// # Cancellation
//
// If ctx ends first, ReadMessage returns ctx.Err() and no message is
// lost: the next call returns the next message.
func (c *Conn) ReadMessage(ctx context.Context) (typ MessageType, data []byte, err error) {
	if c.h != nil {
		return 0, nil, errHandlerReads
	}
	b := c.box()
	c.mu.Lock()
	for !b.full {
		if c.done {
			err := c.result
			c.mu.Unlock()
			return 0, nil, err
		}
		ch := b.ready
		c.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return 0, nil, ctx.Err()
		}
		c.mu.Lock()
	}
	typ, data = b.typ, b.msg
	b.full, b.msg = false, nil
	c.mu.Unlock()
	c.resumeInput()
	return typ, data, nil
}

var errHandlerReads = errorString("ws: ReadMessage on a connection served by a Handler")

type errorString string

func (e errorString) Error() string { return string(e) }
