package ws_test

import (
	"errors"
	"testing"
	"time"

	"github.com/shio-rt/shio/ws"
)

// closer closes every connection as it opens, with 4001, and reports
// OnClose's error.
type closer struct{ closed chan error }

func (closer) OnOpen(c *ws.Conn)                          { c.Close(4001, "go away") }
func (closer) OnMessage(*ws.Conn, ws.MessageType, []byte) {}
func (h closer) OnClose(_ *ws.Conn, err error)            { h.closed <- err }

// TestSimultaneousClose: both sides send a close frame without waiting
// for the other's; each frame answers the other, and the server closes the
// TCP connection.
func TestSimultaneousClose(t *testing.T) {
	h := closer{make(chan error, 1)}
	var up ws.Upgrader
	addr := serveWS(t, &up, h)
	c := dialRaw(t, addr)
	c.send(frame(0x88, closePayload(1000, "me too"), false))
	c.expectClose(4001)
	var ce *ws.CloseError
	if err := <-h.closed; !errors.As(err, &ce) || ce.Code != 1000 || !ce.Remote {
		t.Fatalf("server's OnClose: %v", err)
	}
}

// TestCloseTimeout: a peer that never answers the close frame is cut off
// after CloseTimeout, and OnClose reports the frame the server sent.
func TestCloseTimeout(t *testing.T) {
	h := closer{make(chan error, 1)}
	up := ws.Upgrader{Config: ws.Config{CloseTimeout: 50 * time.Millisecond}}
	addr := serveWS(t, &up, h)
	c := dialRaw(t, addr)
	start := time.Now()
	c.expectClose(4001) // reads the frame, then EOF: the server gave up
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("closed after %v", d)
	}
	var ce *ws.CloseError
	if err := <-h.closed; !errors.As(err, &ce) || ce.Code != 4001 || ce.Remote {
		t.Fatalf("server's OnClose: %v", err)
	}
}
