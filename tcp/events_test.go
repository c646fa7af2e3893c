package tcp_test

import (
	"errors"
	"io"
	"net"
	"testing"
	"time"

	"github.com/shio-rt/shio/reactor"
	"github.com/shio-rt/shio/tcp"
)

// echoEvents echoes on the reactor's event API and reports closes.
type echoEvents struct{ closed chan struct{} }

func (echoEvents) OnOpen(*reactor.Conn) {}
func (echoEvents) OnData(c *reactor.Conn, data []byte) int {
	c.Write(data)
	return len(data)
}
func (h echoEvents) OnClose(*reactor.Conn, error) { h.closed <- struct{}{} }

func TestServeEventsHandsConnectionsToHandler(t *testing.T) {
	ln, err := tcp.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	h := echoEvents{closed: make(chan struct{}, 1)}
	release, err := ln.ServeEvents(h)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ln.ServeEvents(h); !errors.Is(err, tcp.ErrServing) {
		t.Fatalf("second ServeEvents: %v", err)
	}
	nc, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	nc.SetDeadline(time.Now().Add(10 * time.Second))
	echo := func() {
		t.Helper()
		if _, err := nc.Write([]byte("ping")); err != nil {
			t.Fatal(err)
		}
		buf := make([]byte, 4)
		if _, err := io.ReadFull(nc, buf); err != nil || string(buf) != "ping" {
			t.Fatalf("echo %q, %v", buf, err)
		}
	}
	echo()

	// Closing the listener stops accepting and leaves the connection (and
	// the private Network) alive until release.
	ln.Close()
	if _, err := ln.ServeEvents(h); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("ServeEvents after Close: %v", err)
	}
	if c, err := net.Dial("tcp", ln.Addr().String()); err == nil {
		c.Close()
		t.Fatal("dial succeeded after Close")
	}
	echo()
	nc.Close()
	<-h.closed
	release()
	release() // idempotent
}
