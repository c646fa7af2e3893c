package tcp

import (
	"io"
	"time"

	"github.com/shio-rt/shio/reactor"
)

// Adopt makes a net.Conn of a reactor connection whose events another
// [reactor.Handler] receives, for a protocol server that hands a
// connection over to blocking code: http1 does this when a Handler
// hijacks its connection (a WebSocket upgrade, say). The caller's handler
// must from then on pass the connection's events to the returned Feed and
// nothing else; Read then returns what the Feed delivers, Write and the
// deadlines work as on any [Conn], and Close closes rc.
//
// The Conn starts with the deadlines rc already has cleared, and without
// input: bytes the caller had already received go to the Feed first.
func Adopt(rc *reactor.Conn) (*Conn, Feed) {
	rc.SetDeadline(time.Time{})
	c := newConn(nil, rc)
	return c, Feed{c}
}

// Feed delivers a reactor connection's events to the [Conn] that [Adopt]
// made of it. Its methods are meant for the caller's reactor callbacks,
// but are safe from any goroutine; deliver data in the order it arrived.
type Feed struct{ c *Conn }

// Data delivers received bytes (copying them) and returns len(data), for
// OnData to return.
func (f Feed) Data(data []byte) int {
	if len(data) > 0 {
		f.c.arrive(data)
	}
	return len(data)
}

// EOF delivers the peer's FIN: Read returns io.EOF after the input. Writing
// stays possible until Close (the caller's handler must implement
// [reactor.EOFHandler] for the reactor to allow it).
func (f Feed) EOF() { f.c.end(io.EOF) }

// Drain tells a blocked Write that the outbound queue has emptied.
func (f Feed) Drain() { f.c.signal(true) }

// Closed tells the Conn that the connection is gone; err is OnClose's.
func (f Feed) Closed(err error) {
	if err == nil {
		err = io.EOF
	}
	f.c.end(err)
}
