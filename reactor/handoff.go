package reactor

import "errors"

// errHandoffPending is returned by a second Handoff before the first has
// taken effect.
var errHandoffPending = errors.New("reactor: a hand-off is already pending")

// Handoff gives the live connection to h, another protocol's handler, on
// the same loop: an HTTP server hands a connection that asked for
// "Upgrade: websocket" to a WebSocket handler this way. Each connection
// has its own handler, at first the reactor's; Handoff replaces it.
//
// Handoff is safe from any goroutine and never blocks. Called from one of
// c's callbacks it takes effect when that callback returns; called from
// another goroutine it takes effect before c's next callback (a callback
// already running finishes first). Then, on c's loop:
//
//   - h.OnOpen(c) runs;
//   - the input the reactor kept unconsumed (what the previous handler's
//     OnData did not consume, such as the bytes behind an Upgrade request's
//     head) is presented to h.OnData, without a copy when the hand-off was
//     made from that OnData, unless reading is paused;
//   - if the peer's FIN has already been read and the connection is still
//     open, h receives OnEOF (or the connection closes as it does for a
//     handler without [EOFHandler]);
//   - reading continues as before.
//
// The PauseRead state, the deadlines, the [Layer] and the outbound queue
// carry over; the new handler sets its own deadlines. The optional
// interfaces ([EOFHandler], [DrainHandler], [ShutdownHandler],
// [ReadTimeoutHandler]) are looked up on h. The previous handler receives
// no callback that starts after Handoff returns, and no OnClose: it gave
// the connection away. h receives OnOpen and exactly one OnClose, even if
// the connection closes before the hand-off takes effect.
//
// Handoff returns [ErrClosed] if c is closed or closing (Close has been
// called), and an error if another hand-off is still pending; h then
// receives nothing. It panics if h is nil.
//
// A hand-off costs no goroutine; afterwards each event costs what it cost
// before (a callback reads the connection's handler).
func (c *Conn) Handoff(h Handler) error {
	if h == nil {
		panic("reactor: Handoff to a nil Handler")
	}
	return c.handoff(h)
}
