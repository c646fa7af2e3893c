package ws_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/shio-rt/shio/http1"
	"github.com/shio-rt/shio/ws"
)

// TestBlockingConn: Upgrade gives a Conn read with ReadMessage (in a
// goroutine of the test's), a cancelled read loses no message, and the
// peer's close ends ReadMessage with its CloseError.
func TestBlockingConn(t *testing.T) {
	var up ws.Upgrader
	conns := make(chan *ws.Conn, 1)
	s := &http1.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := up.Upgrade(w, r)
		if err == nil {
			conns <- c
		}
	})}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go s.Serve(ln)
	defer s.Close()
	cl := dialRaw(t, ln.Addr().String())
	c := <-conns

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	if _, _, err := c.ReadMessage(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("ReadMessage with nothing sent: %v", err)
	}
	cancel()
	cl.send(cat(text("one"), bin([]byte("two"))))
	bg := context.Background()
	for _, want := range []struct {
		typ ws.MessageType
		s   string
	}{{ws.TextMessage, "one"}, {ws.BinaryMessage, "two"}} {
		typ, p, err := c.ReadMessage(bg)
		if err != nil || typ != want.typ || string(p) != want.s {
			t.Fatalf("ReadMessage = %v %q %v, want %v %q", typ, p, err, want.typ, want.s)
		}
		if err := c.WriteMessage(bg, typ, p); err != nil {
			t.Fatal(err)
		}
	}
	cl.expect(1, "one")
	cl.expect(2, "two")
	// The close after the echoes: sent with the messages, it could be
	// read (reading resumes as ReadMessage returns) before the second
	// echo is written, which then finds the connection closing.
	cl.send(frame(0x88, closePayload(4000, "bye"), false))
	cl.expectClose(4000)
	_, _, err = c.ReadMessage(bg)
	var ce *ws.CloseError
	if !errors.As(err, &ce) || ce.Code != 4000 || ce.Reason != "bye" || !ce.Remote {
		t.Fatalf("ReadMessage after close: %v", err)
	}
	if err := c.WriteMessage(bg, ws.TextMessage, nil); !errors.Is(err, ws.ErrClosed) {
		t.Fatalf("WriteMessage after close: %v", err)
	}
}

// TestKeepAlive: a silent peer is pinged and, answering nothing, closed
// after PongTimeout; one that answers stays.
func TestKeepAlive(t *testing.T) {
	closed := make(chan error, 2)
	up := ws.Upgrader{Config: ws.Config{PingInterval: 50 * time.Millisecond, PongTimeout: 500 * time.Millisecond}}
	addr := serveWS(t, &up, closeWatch{closed})
	silent := dialRaw(t, addr)
	f, err := silent.read()
	if err != nil || f.op != 9 {
		t.Fatalf("want a ping, got %v %v", f, err)
	}
	select {
	case err := <-closed:
		var ce *ws.CloseError
		if !errors.As(err, &ce) || ce.Code != ws.StatusAbnormal {
			t.Fatalf("silent peer closed with %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("a peer that answers no ping was not closed")
	}

	live := dialRaw(t, addr)
	for range 3 {
		f, err := live.read()
		if err != nil || f.op != 9 {
			t.Fatalf("want a ping, got %v %v", f, err)
		}
		live.send(frame(0x8a, f.p, false))
	}
	select {
	case err := <-closed:
		t.Fatalf("a peer that answers pings was closed: %v", err)
	default:
	}
}

type closeWatch struct{ ch chan error }

func (closeWatch) OnOpen(*ws.Conn)                            {}
func (closeWatch) OnMessage(*ws.Conn, ws.MessageType, []byte) {}
func (w closeWatch) OnClose(_ *ws.Conn, err error)            { w.ch <- err }
