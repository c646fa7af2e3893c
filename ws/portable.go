package ws

import (
	"time"

	"github.com/shio-rt/shio/reactor"
)

// reactorTransport is the transport of a connection on a reactor: the
// reactor.Conn itself where its writes queue (the epoll reactor), a
// portableTransport where they wait for the socket (the portable one).
func reactorTransport(rc *reactor.Conn, c *Conn) transport {
	if writesQueue {
		return rc
	}
	t := &portableTransport{Conn: rc}
	t.q = outq{write: t.writeNow, shut: func() { rc.Close() }, drain: c.onDrain, limit: writeLimit(c.lim)}
	return t
}

// portableTransport queues the writes of a connection on the portable
// reactor (macOS, Windows), whose reactor.Conn.Write waits until the
// socket takes the bytes: through an outq, as a client's, so that a
// callback's write never holds the loop and MaxOutbound bounds what a
// slow reader costs.
type portableTransport struct {
	*reactor.Conn
	q outq
}

func (t *portableTransport) Write(p []byte) (int, error) { return t.q.Write(p) }
func (t *portableTransport) Buffered() int               { return t.q.Buffered() }

// Close closes the connection once the queued output is out (within the
// write deadline).
func (t *portableTransport) Close() error {
	t.q.Close()
	return nil
}

// writeNow is the queue's write, bounded by the write deadline.
func (t *portableTransport) writeNow(p []byte) (int, error) {
	if t.q.limit > 0 {
		t.Conn.SetWriteDeadline(time.Now().Add(t.q.limit))
	}
	return t.Conn.Write(p)
}

// joinWriter waits for the queue's goroutine of a connection on the
// portable reactor, when it has closed (its writes then fail at once).
func (c *Conn) joinWriter() {
	if t, ok := c.t.(*portableTransport); ok {
		t.q.Wait()
	}
}
