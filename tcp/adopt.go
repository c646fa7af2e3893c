package tcp

import (
	"io"
	"time"

	"github.com/shio-rt/shio/reactor"
)

// Adopt makes a net.Conn of a live reactor connection that another
// protocol's handler has been serving, for a server that hands a
// connection over to blocking code: http1 does this when a Handler
// hijacks its connection. unread is input the caller had received and not
// processed (the bytes behind a request's head); Read returns it first
// (Adopt copies it), then what the reactor kept unconsumed, then what
// arrives.
//
// Adopt hands rc to the Conn's own handler with [reactor.Conn.Handoff]:
// from then on the caller's handler receives no more events for rc (and
// should consume no input in a callback already running, so that the
// reactor keeps it for the Conn). It clears the deadlines rc has; the
// Conn's deadlines are its own. Write and the deadlines work as on any
// [Conn], and Close closes rc. onClose, if not nil, is called once on
// rc's loop when the connection is gone, with OnClose's error, for a
// server that counts the connections on its reactor until they close.
// A graceful shutdown of rc's reactor leaves the Conn to its owner (a
// server tells it through its own shutdown hooks) and waits, up to the
// shutdown's context, for the owner to close it. Adopt is safe from any
// goroutine; it returns Handoff's error (reactor.ErrClosed if rc is closed
// or closing).
func Adopt(rc *reactor.Conn, unread []byte, onClose func(err error)) (*Conn, error) {
	c := newConn(nil, rc)
	c.onClose = onClose
	if len(unread) > 0 {
		c.arrive(unread)
	}
	rc.SetDeadline(time.Time{})
	if err := rc.Handoff((*adopted)(c)); err != nil {
		c.mu.Lock()
		c.releaseIn()
		c.mu.Unlock()
		return nil, err
	}
	return c, nil
}

// adopted is an adopted Conn seen as the reactor handler of its
// connection: events, except that a graceful shutdown of the reactor
// leaves the connection to its owner (the Handler that hijacked it, which
// a server tells through its RegisterOnShutdown functions) instead of
// closing it under the owner's feet; the shutdown waits for the owner to
// close it, up to its context.
type adopted Conn

func (a *adopted) OnOpen(rc *reactor.Conn)               { (*events)(a).OnOpen(rc) }
func (a *adopted) OnData(rc *reactor.Conn, p []byte) int { return (*events)(a).OnData(rc, p) }
func (a *adopted) OnEOF(rc *reactor.Conn)                { (*events)(a).OnEOF(rc) }
func (a *adopted) OnDrain(rc *reactor.Conn)              { (*events)(a).OnDrain(rc) }
func (a *adopted) OnClose(rc *reactor.Conn, err error)   { (*events)(a).OnClose(rc, err) }
func (a *adopted) OnShutdown(*reactor.Conn)              {}

// events is a Conn seen as the reactor handler of its connection.
type events Conn

func (e *events) OnOpen(*reactor.Conn) {}

func (e *events) OnData(_ *reactor.Conn, data []byte) int {
	(*Conn)(e).arrive(data)
	return len(data)
}

// OnEOF records the peer's FIN: Read returns io.EOF after the input, and
// writing stays possible until Close.
func (e *events) OnEOF(*reactor.Conn) { (*Conn)(e).end(io.EOF) }

// OnDrain tells a blocked Write that the outbound queue has emptied.
func (e *events) OnDrain(*reactor.Conn) { (*Conn)(e).signal(true) }

func (e *events) OnClose(rc *reactor.Conn, err error) {
	if e.tl != nil {
		e.tl.Close() // ends a handshake in progress
	}
	if e.onClose != nil {
		e.onClose(err)
	}
	if err == nil {
		err = io.EOF
	}
	(*Conn)(e).end(err)
}
