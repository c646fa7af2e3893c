package tlslayer_test

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"testing"
	"time"

	"github.com/shio-rt/shio/reactor"
	"github.com/shio-rt/shio/tlslayer"
)

// TestHandshakeCancellation: a cancelled Handshake returns ctx.Err() and
// leaves the handshake running; closing the connection then ends it.
func TestHandshakeCancellation(t *testing.T) {
	// A server that accepts and never answers.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, err := ln.Accept()
		if err == nil {
			accepted <- c
		}
	}()
	d := &dialer{
		hs:   &tlslayer.Handshaker{TLS: &tls.Config{ServerName: "localhost"}, Timeout: time.Minute},
		got:  make(chan []byte, 16),
		tl:   make(chan *tlslayer.Conn, 1),
		done: make(chan error, 1),
	}
	r, err := reactor.New(reactor.Config{Loops: 1}, d)
	if err != nil {
		t.Fatal(err)
	}
	defer d.hs.Wait()
	defer r.Close()
	c, err := r.Dial(context.Background(), "tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer (<-accepted).Close()
	l := <-d.tl
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := l.Handshake(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("cancelled Handshake: %v", err)
	}
	if n := d.hs.Active(); n != 1 {
		t.Fatalf("%d handshakes after the cancelled wait, want the one still running", n)
	}
	select {
	case <-l.HandshakeDone():
		t.Fatal("the handshake ended with the wait")
	default:
	}
	c.Close()
	if err := l.Handshake(context.Background()); err == nil {
		t.Fatal("a handshake whose connection closed succeeded")
	}
	d.hs.Wait()
	if n := d.hs.Active(); n != 0 {
		t.Fatalf("%d handshakes after Wait", n)
	}
}
