package tcp_test

import (
	"context"
	"errors"
	"io"
	"net"
	"testing"
	"time"

	"github.com/shio-rt/shio/reactor"
	"github.com/shio-rt/shio/tcp"
)

func TestDialCancelledLeavesNoConnection(t *testing.T) {
	ln, err := tcp.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := tcp.Dial(ctx, "tcp", ln.Addr().String()); !errors.Is(err, context.Canceled) {
		t.Fatalf("Dial = %v, want Canceled", err)
	}
	// goleak in TestMain proves the private network was closed.
}

func TestListenerCloseKeepsAcceptedConnections(t *testing.T) {
	n, err := tcp.New(reactor.Config{Loops: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	ln, err := n.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	client, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	server, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	if err := ln.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := ln.Accept(); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("Accept after Close = %v", err)
	}
	if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
		c.Close()
		t.Fatal("port still accepting after Listener.Close")
	}
	client.Write([]byte("still here"))
	buf := make([]byte, 10)
	if _, err := io.ReadFull(server, buf); err != nil || string(buf) != "still here" {
		t.Fatalf("accepted connection broken after Listener.Close: %q, %v", buf, err)
	}
	server.Close()
}

func TestReadAfterPeerCloseIsEOF(t *testing.T) {
	ln, err := tcp.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	client, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	server, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer server.Close()
	client.Write([]byte("bye"))
	client.Close()
	got, err := io.ReadAll(server)
	if err != nil || string(got) != "bye" {
		t.Fatalf("got %q, %v", got, err)
	}
}
