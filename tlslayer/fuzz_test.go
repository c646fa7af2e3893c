package tlslayer_test

import (
	"crypto/tls"
	"net"
	"testing"
	"time"
)

// finish half-closes c and reads until the server closes, failing the
// test if it does not within a few seconds.
func finish(t *testing.T, c *net.TCPConn) {
	c.CloseWrite()
	if _, err := readAll(t, c, 5*time.Second); err != nil {
		if ne, ok := err.(net.Error); ok && ne.Timeout() {
			t.Fatal("the server neither closed nor answered")
		}
	}
}

// FuzzFirstFlight sends arbitrary bytes as a client's first flight: the
// server answers with an alert, a handshake or a close, and never hangs
// once the client has closed its side.
func FuzzFirstFlight(f *testing.F) {
	cert, _ := testCert(f)
	addr, _ := serveEcho(f, &tls.Config{Certificates: []tls.Certificate{cert}}, 2*time.Second)
	f.Add(clientHello(f))
	f.Add([]byte{22, 3, 1, 0, 4, 1, 0, 0, 0})
	f.Add([]byte("GET / HTTP/1.1\r\n\r\n"))
	f.Fuzz(func(t *testing.T, in []byte) {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		c.Write(in)
		finish(t, c.(*net.TCPConn))
	})
}

// FuzzRecords sends arbitrary bytes after a completed handshake, where the
// loop hands them to crypto/tls record by record: the server echoes,
// alerts or closes, and never hangs once the client has closed its side.
func FuzzRecords(f *testing.F) {
	cert, pool := testCert(f)
	addr, _ := serveEcho(f, &tls.Config{Certificates: []tls.Certificate{cert}}, 2*time.Second)
	f.Add([]byte{23, 3, 3, 0, 20, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20})
	f.Add([]byte{23, 3, 3, 0xff, 0xff})
	f.Add([]byte{21, 3, 3, 0, 2, 1, 0})
	f.Add([]byte{22, 3, 3, 0, 5, 24, 0, 0, 1, 0})
	f.Fuzz(func(t *testing.T, in []byte) {
		raw, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer raw.Close()
		c := tls.Client(raw, &tls.Config{RootCAs: pool, ServerName: "localhost"})
		raw.SetDeadline(time.Now().Add(5 * time.Second))
		if err := c.Handshake(); err != nil {
			t.Fatal(err)
		}
		raw.SetDeadline(time.Time{})
		raw.Write(in)
		finish(t, raw.(*net.TCPConn))
	})
}
