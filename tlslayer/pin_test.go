package tlslayer_test

import (
	"bytes"
	"crypto/tls"
	"errors"
	"net"
	"sync"
	"testing"
)

// switchConn is a net.Conn that passes through to Conn until captured or
// fed: then writes are captured and reads come from feed, or fail with a
// temporary error when feed is empty.
type switchConn struct {
	net.Conn
	mu       sync.Mutex
	manual   bool
	captured bytes.Buffer
	feed     bytes.Buffer
}

type tempErr struct{}

func (tempErr) Error() string   { return "would block" }
func (tempErr) Timeout() bool   { return false }
func (tempErr) Temporary() bool { return true }

func (c *switchConn) Read(b []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.manual {
		c.mu.Unlock()
		defer c.mu.Lock()
		return c.Conn.Read(b)
	}
	if c.feed.Len() == 0 {
		return 0, tempErr{}
	}
	return c.feed.Read(b)
}

func (c *switchConn) Write(b []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.manual {
		c.mu.Unlock()
		defer c.mu.Lock()
		return c.Conn.Write(b)
	}
	return c.captured.Write(b)
}

// TestCryptoTLSKeepsNoTemporaryError pins the undocumented crypto/tls
// behaviour the layer is built on: after the handshake, a Read whose
// underlying Read fails with a temporary net.Error returns that error
// without keeping it, keeps the partial record it has, and a later Read
// succeeds once the rest arrives. If a Go release changes this, an idle
// TLS connection can no longer be driven from the loop, and this test
// says so.
func TestCryptoTLSKeepsNoTemporaryError(t *testing.T) {
	cert, pool := testCert(t)
	for _, v := range []uint16{tls.VersionTLS12, tls.VersionTLS13} {
		t.Run(tls.VersionName(v), func(t *testing.T) {
			p1, p2 := net.Pipe()
			defer p1.Close()
			defer p2.Close()
			cw, sw := &switchConn{Conn: p1}, &switchConn{Conn: p2}
			client := tls.Client(cw, &tls.Config{RootCAs: pool, ServerName: "localhost", MinVersion: v, MaxVersion: v})
			server := tls.Server(sw, &tls.Config{Certificates: []tls.Certificate{cert}, SessionTicketsDisabled: true})
			errc := make(chan error, 1)
			go func() { errc <- server.Handshake() }()
			if err := client.Handshake(); err != nil {
				t.Fatal(err)
			}
			if err := <-errc; err != nil {
				t.Fatal(err)
			}
			cw.mu.Lock()
			cw.manual = true
			cw.mu.Unlock()
			sw.mu.Lock()
			sw.manual = true
			sw.mu.Unlock()
			client.Write([]byte("hello, loop"))
			rec := cw.captured.Bytes()
			buf := make([]byte, 64)

			// Nothing there: a temporary error, not kept.
			n, err := server.Read(buf)
			var ne net.Error
			if n != 0 || !errors.As(err, &ne) || !ne.Temporary() {
				t.Fatalf("empty read: %d, %v; want the temporary error passed through", n, err)
			}
			// Half a record: crypto/tls keeps it and reports the error.
			sw.feed.Write(rec[:7])
			if n, err := server.Read(buf); n != 0 || !errors.As(err, &ne) || !ne.Temporary() {
				t.Fatalf("partial record: %d, %v", n, err)
			}
			// The rest: the record decodes.
			sw.feed.Write(rec[7:])
			n, err = server.Read(buf)
			if err != nil || string(buf[:n]) != "hello, loop" {
				t.Fatalf("after the rest: %q, %v; crypto/tls kept the temporary error (golang/go behaviour changed?)", buf[:n], err)
			}
			// And the server can still write.
			if _, err := server.Write([]byte("ok")); err != nil {
				t.Fatalf("write after temporary read errors: %v", err)
			}
		})
	}
}

// TestCryptoTLSHandshakeKeepsTemporaryError pins why the handshake runs
// on a goroutine of its own: a temporary error during the handshake ends
// it for good.
func TestCryptoTLSHandshakeKeepsTemporaryError(t *testing.T) {
	cert, _ := testCert(t)
	p1, p2 := net.Pipe()
	defer p1.Close()
	defer p2.Close()
	sw := &switchConn{Conn: p2, manual: true}
	server := tls.Server(sw, &tls.Config{Certificates: []tls.Certificate{cert}})
	if err := server.Handshake(); err == nil {
		t.Fatal("handshake without input succeeded")
	}
	sw.feed.Write([]byte{22, 3, 1, 0, 1, 1})
	if err := server.Handshake(); err == nil {
		t.Fatal("the handshake resumed after a temporary error: the layer could run it on the loop now")
	}
}
