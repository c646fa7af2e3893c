package ws

import (
	"context"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// MessageType is the type of a data message (RFC 6455 section 5.6); the
// values are the frame opcodes, as in gorilla/websocket.
type MessageType uint8

const (
	// TextMessage is a message of UTF-8 text.
	TextMessage MessageType = 1
	// BinaryMessage is a message of bytes.
	BinaryMessage MessageType = 2
)

// String returns "text", "binary" or "invalid".
func (t MessageType) String() string {
	switch t {
	case TextMessage:
		return "text"
	case BinaryMessage:
		return "binary"
	}
	return "invalid"
}

// transport is what a Conn runs over: a *reactor.Conn, or netTransport
// over a net.Conn (a client's, a hijacked one). Write never waits on the
// peer: it queues (the epoll reactor's queue, or an outq); Close is
// graceful (queued output first).
type transport interface {
	Write(p []byte) (int, error)
	Buffered() int
	Close() error
	SetReadDeadline(t time.Time) error
	PauseRead()
	ResumeRead()
	RemoteAddr() net.Addr
	LocalAddr() net.Addr
}

// Conn is one WebSocket connection, server or client side.
//
// Its write methods (WriteMessage, TryWriteMessage, Ping, Close) are safe
// for concurrent use from any goroutine, including the handler's
// callbacks, and never panic: a message is written whole, its frames never
// interleaved with another message's, and control frames may pass between
// the fragments of a long one. ReadMessage is for connections without a
// [Handler] (see [Upgrader.Upgrade]) and for one goroutine at a time.
//
// A Conn served by a Handler holds, while idle, no goroutine and no
// buffer: its input is parsed on the reactor loop as it arrives, and a
// message that fits in one read is handed to OnMessage without a copy.
type Conn struct {
	t      transport
	lim    *limits
	h      Handler     // nil: messages wait in the inbox for ReadMessage
	closed func(error) // the upgrading server's, called once when the connection is gone
	// x holds what only some connections use (see extras); nil for the
	// common kind. It is set before the connection starts and never
	// replaced, so it is read without a lock.
	x *extras

	// Owned by the input side (the loop's callbacks, never concurrent).
	in input

	// Guarded by mu (with the flags at the end: the small fields are
	// together so that a Conn stays in the 144-byte size class;
	// TestConnStaysInItsSizeClass).
	result  *CloseError   // how the connection ended, once known
	drained chan struct{} // closed when the queue drains or the connection ends; made by a waiting writer or Wait

	// paused: reading is paused while a message waits for ReadMessage or
	// a task runs OnMessage, so silence is not the peer's (keep-alive).
	paused atomic.Bool
	// wmu serialises data messages, so that the frames of one are never
	// interleaved with another's; it is held only while frames are queued,
	// never while a write waits for room.
	wmu sync.Mutex
	// fmu serialises frames on the transport: a data frame is written
	// under fmu alone, not mu, because on a transport whose writes block
	// (a client, the Hijacker fallback) the reading side needs mu to
	// deliver a message, and a writer blocked on a peer that waits for its
	// echoes to be read would otherwise stall the reader (a deadlock until
	// PongTimeout). Control frames take it under mu (order: mu, then fmu).
	fmu sync.Mutex
	mu  sync.Mutex

	client bool // the client side: frames out are masked, frames in must not be
	// stream: data messages are delivered piece by piece as they arrive
	// (a StreamHandler, or no Handler: the inbox), not assembled; set
	// before the connection starts.
	stream bool
	// closeWritten (guarded by fmu): the close frame went out, so no data
	// frame may follow it.
	closeWritten bool
	// flags (guarded by mu) holds the connection's state booleans (cTask
	// …), one byte, so that a Conn stays in its size class.
	flags connFlags
}

// connFlags are a Conn's state booleans, guarded by its mu.
type connFlags uint8

const (
	// cTask: a goroutine runs OnMessage (Config.HandlerTasks). OnClose
	// waits for it (see extras).
	cTask      connFlags = 1 << iota
	cSentClose           // a close frame went out: no more frames after it
	cRecvClose           // the peer's close frame came in
	cWriting             // a MessageWriter has a message open: other messages wait
	cDone                // OnClose ran
	cEnded               // OnClose returned and no goroutine of the connection's runs its code (see Wait)
)

// is reports flag f; set and unset change it. All three need c.mu.
func (c *Conn) is(f connFlags) bool { return c.flags&f != 0 }
func (c *Conn) set(f connFlags)     { c.flags |= f }
func (c *Conn) unset(f connFlags)   { c.flags &^= f }

// extras is the state of the features only some connections use, behind
// one pointer so that an idle connection of the common kind (a Handler,
// no compression) stays in a small size class.
type extras struct {
	// pre (input side) holds input that arrived before the connection
	// opened (bytes behind the opening handshake) and what OnData left of
	// it; it is presented before later input.
	pre []byte
	// inbox holds messages for ReadMessage (no Handler); guarded by mu.
	inbox *inbox
	// dfl is permessage-deflate, if agreed on: its dictionary is the
	// input side's, the rest is immutable.
	dfl *deflate
	// closeLater and closeCause (guarded by mu, HandlerTasks): the
	// connection ended while a task ran OnMessage; the task calls OnClose.
	closeLater bool
	// backlog: pre holds input that a message for ReadMessage or a task
	// stopped; the reactor does not know of it, so the resumer asks the
	// loop to present it (see resumeInput). Beside closeLater, so that
	// extras stays in its size class.
	backlog    atomic.Bool
	closeCause error
	// proto is the subprotocol agreed on, if any.
	proto string
}

// extra returns c.x, making it: only before the connection starts.
func (c *Conn) extra() *extras {
	if c.x == nil {
		c.x = new(extras)
	}
	return c.x
}

// deflate returns the permessage-deflate state, or nil.
func (c *Conn) deflate() *deflate {
	if c.x == nil {
		return nil
	}
	return c.x.dfl
}

// box returns the inbox, or nil with a Handler.
func (c *Conn) box() *inbox {
	if c.x == nil {
		return nil
	}
	return c.x.inbox
}

// setup readies a new connection's extras for its configuration: before
// it starts.
func (c *Conn) setup() {
	_, sh := c.h.(StreamHandler)
	c.stream = c.h == nil || sh && !c.lim.tasks
	if c.h == nil {
		c.extra().inbox = &inbox{ready: make(chan struct{}, 1)}
	}
	if c.lim.tasks {
		c.extra()
	}
}

// Subprotocol returns the subprotocol the handshake agreed on, or "".
func (c *Conn) Subprotocol() string {
	if c.x == nil {
		return ""
	}
	return c.x.proto
}

// RemoteAddr returns the peer's address.
func (c *Conn) RemoteAddr() net.Addr { return c.t.RemoteAddr() }

// LocalAddr returns the connection's local address.
func (c *Conn) LocalAddr() net.Addr { return c.t.LocalAddr() }

// Buffered returns the number of outbound bytes queued and not yet taken
// by the socket.
func (c *Conn) Buffered() int { return c.t.Buffered() }

// Handler receives a connection's events. Its callbacks for one
// connection never run concurrently, and on the reactor they run on the
// connection's loop: they must not block (a slow job goes to a goroutine,
// which writes with the Conn's methods).
type Handler interface {
	// OnOpen is called once, before any message.
	OnOpen(c *Conn)
	// OnMessage is called with each complete message, text validated as
	// UTF-8. data is valid only during the call (it may point into the
	// reactor's read buffer): keep a copy to use it later.
	OnMessage(c *Conn, typ MessageType, data []byte)
	// OnClose is called once when the connection is gone. err is a
	// *CloseError: the close frame the peer sent, the one this side sent
	// when it failed the connection or the peer did not answer, or
	// StatusAbnormal (with the transport's error in Err) when the
	// connection ended without one.
	OnClose(c *Conn, err error)
}

// StreamHandler is a Handler that receives data messages piece by piece
// as they arrive instead of whole: a large message costs no buffer of its
// size. A Handler that implements it gets OnFragment in place of
// OnMessage (except with Config.HandlerTasks, which assembles messages
// for OnMessage as usual).
type StreamHandler interface {
	Handler
	// OnFragment is called with each piece of a message's payload in
	// order, final true on the last one (which may be empty). A piece is
	// what one read brought of one frame, not necessarily a whole frame;
	// p is valid only during the call. Text is validated as UTF-8 as it
	// arrives: an invalid piece fails the connection (1007) before
	// OnFragment sees it, and a message that ends inside a character
	// fails before its final piece. A compressed message is inflated
	// whole (bounded by MaxMessageSize) and comes as one final piece.
	OnFragment(c *Conn, typ MessageType, p []byte, final bool)
}

// finish reports how the connection ended, once, and releases what it
// holds. It runs on the input side (the transport's close callback).
func (c *Conn) finish(err error) {
	c.mu.Lock()
	if c.is(cDone) {
		c.mu.Unlock()
		return
	}
	c.set(cDone)
	res := c.result
	if res == nil || !c.is(cRecvClose) && !c.is(cSentClose) {
		res = &CloseError{Code: StatusAbnormal, Err: err}
	} else if !c.is(cRecvClose) && err != nil {
		// We sent a close frame and the peer never answered.
		res = &CloseError{Code: res.Code, Reason: res.Reason, Err: err}
	}
	c.result = res
	later := c.is(cTask)
	if later {
		c.x.closeLater, c.x.closeCause = true, err
	}
	if c.drained != nil {
		close(c.drained)
		c.drained = nil
	}
	if b := c.box(); b != nil {
		b.closeLocked()
	}
	c.mu.Unlock()
	c.in.release()
	if c.x != nil {
		c.x.pre = nil
	}
	if !later {
		c.closeHandler(res, err)
	}
}

// closeHandler calls OnClose and tells the upgrading server, once the
// handler's last callback has returned.
func (c *Conn) closeHandler(res *CloseError, err error) {
	if c.h != nil {
		c.h.OnClose(c, res)
	}
	c.mu.Lock()
	c.set(cEnded)
	if c.drained != nil {
		close(c.drained)
		c.drained = nil
	}
	c.mu.Unlock()
	if c.closed != nil {
		c.closed(err)
	}
}

// Wait waits until the connection is gone: it has closed, OnClose (with a
// Handler) has returned, and no goroutine started for the connection (a
// HandlerTasks task, the reader of a dialed connection or of one upgraded
// through http.Hijacker) runs its code any more. It returns how the
// connection ended, a *CloseError. Wait does not close the connection:
// call Close first to end it, then Wait to join what served it, as a
// client does before it returns.
//
// # Cancellation
//
// If ctx ends first, Wait returns ctx.Err() and the connection is left as
// it was.
func (c *Conn) Wait(ctx context.Context) error {
	c.mu.Lock()
	for !c.is(cEnded) {
		if c.drained == nil {
			c.drained = make(chan struct{})
		}
		ch := c.drained
		c.mu.Unlock()
		select {
		case <-ch: // the queue drained, or the connection ended: look again
		case <-ctx.Done():
			return ctx.Err()
		}
		c.mu.Lock()
	}
	res := c.result
	c.mu.Unlock()
	return res
}
