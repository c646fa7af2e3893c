package reactor_test

import (
	"bytes"
	"io"
	"testing"
	"time"

	"github.com/shio-rt/shio/reactor"
)

// answerAndClose answers a connection's first input with reply and
// closes it, leaving the rest of what the peer sends unread; linger, if
// not zero, is the connection's own linger (SetLingerTimeout).
type answerAndClose struct {
	reply  []byte
	linger time.Duration
}

func (h *answerAndClose) OnOpen(*reactor.Conn) {}

func (h *answerAndClose) OnData(c *reactor.Conn, data []byte) int {
	if c.Attachment() == nil {
		c.Attach(true)
		c.Write(h.reply)
		if h.linger != 0 {
			c.SetLingerTimeout(h.linger)
		}
		c.Close()
	}
	return len(data)
}

func (h *answerAndClose) OnClose(*reactor.Conn, error) {}

// A reactor that closes at once (LingerTimeout < 0, as a tcp.Network's)
// still lingers for a connection that asked for it: the peer, still
// sending what the handler never read, reads the whole reply and then EOF,
// and its sending is not cut short by a reset while the server lingers
// (closing with unread input, or with input still arriving, makes the
// kernel reset the connection; a client still writing its request then
// reports the reset instead of the response, as Go's does). Before
// SetLingerTimeout the sender of every one of these connections got a
// reset.
func TestSetLingerTimeoutLingersOnAReactorThatClosesAtOnce(t *testing.T) {
	if portable {
		t.Skip("the portable reactor never lingers")
	}
	reply := bytes.Repeat([]byte("r"), 64<<10)
	_, addr := start(t, reactor.Config{LingerTimeout: -1}, &answerAndClose{reply: reply, linger: time.Minute})
	for i := range 10 {
		c := dial(t, addr)
		sent := make(chan error, 1)
		go func() { // 8 MiB, which the server never reads
			chunk := bytes.Repeat([]byte("u"), 32<<10)
			for range 256 {
				if _, err := c.Write(chunk); err != nil {
					sent <- err
					return
				}
			}
			sent <- nil
		}()
		c.SetDeadline(time.Now().Add(time.Minute))
		got, err := io.ReadAll(c)
		if err != nil || !bytes.Equal(got, reply) {
			t.Fatalf("connection %d: read %d of %d reply bytes, then %v", i, len(got), len(reply), err)
		}
		if err := <-sent; err != nil {
			t.Fatalf("connection %d: sending while the server lingers: %v", i, err)
		}
		c.Close()
	}
}

// SetLingerTimeout(-1) closes at once on a reactor that lingers, and the
// linger ends early when the peer closes: neither waits for the timeout.
func TestSetLingerTimeoutOverridesTheReactors(t *testing.T) {
	done := make(chan error, 1)
	h := &closeWatch{answerAndClose: answerAndClose{reply: []byte("bye"), linger: -1}, done: done}
	_, addr := start(t, reactor.Config{LingerTimeout: time.Hour}, h)
	c := dial(t, addr)
	c.Write([]byte("hi"))
	if got, err := io.ReadAll(c); err != nil || string(got) != "bye" {
		t.Fatalf("read %q, %v", got, err)
	}
	select { // closed at once, not an hour later; the client has not closed
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("SetLingerTimeout(-1): the connection is still lingering")
	}
}

type closeWatch struct {
	answerAndClose
	done chan error
}

func (h *closeWatch) OnClose(_ *reactor.Conn, err error) { h.done <- err }
