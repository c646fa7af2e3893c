package tlslayer_test

import (
	"bytes"
	"crypto/tls"
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"sync"
	"testing"
	"time"
)

// clientHello returns the first record a Go client sends.
func clientHello(t testing.TB) []byte {
	t.Helper()
	p1, p2 := net.Pipe()
	done := make(chan struct{})
	defer func() { p1.Close(); <-done }()
	go func() {
		defer close(done)
		tls.Client(p1, &tls.Config{ServerName: "localhost"}).Handshake()
	}()
	hdr := make([]byte, 5)
	if _, err := io.ReadFull(p2, hdr); err != nil {
		t.Fatal(err)
	}
	body := make([]byte, int(hdr[3])<<8|int(hdr[4]))
	if _, err := io.ReadFull(p2, body); err != nil {
		t.Fatal(err)
	}
	p2.Close()
	return append(hdr, body...)
}

// readAll reads c until EOF or error, within d.
func readAll(t testing.TB, c net.Conn, d time.Duration) ([]byte, error) {
	c.SetReadDeadline(time.Now().Add(d))
	var out bytes.Buffer
	_, err := io.Copy(&out, c)
	return out.Bytes(), err
}

func TestNotTLSGetsAlert(t *testing.T) {
	cert, _ := testCert(t)
	addr, _ := serveEcho(t, &tls.Config{Certificates: []tls.Certificate{cert}}, time.Second)
	for _, tc := range []struct {
		name  string
		in    []byte
		alert byte
	}{
		{"http", []byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n"), 10},
		{"bad version", []byte{22, 9, 1, 0, 5, 1, 2, 3, 4, 5}, 50},
		{"empty record", []byte{22, 3, 1, 0, 0}, 50},
		{"oversized ClientHello", []byte{22, 3, 1, 0x40, 0x01}, 22},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			c.Write(tc.in)
			got, err := readAll(t, c, 5*time.Second)
			if err != nil && !isReset(err) {
				t.Fatalf("read: %v", err)
			}
			if want := []byte{21, 3, 1, 0, 2, 2, tc.alert}; !bytes.Equal(got, want) {
				t.Fatalf("got %v, want the alert %v", got, want)
			}
		})
	}
}

func isReset(err error) bool {
	var ne *net.OpError
	return errors.As(err, &ne) && !ne.Timeout()
}

// TestRandomBytesClose: random first flights are answered with an alert
// or a close, never an echo, and never left hanging.
func TestRandomBytesClose(t *testing.T) {
	cert, _ := testCert(t)
	addr, _ := serveEcho(t, &tls.Config{Certificates: []tls.Certificate{cert}}, 500*time.Millisecond)
	seed := rand.Uint64()
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 1))
	hello := clientHello(t)
	for i := range 40 {
		var in []byte
		if i%2 == 0 {
			// At least a record header: fewer bytes are not yet a record,
			// and the wait for a server's first record is bounded by the
			// protocol's read deadline (Handshaker.Timeout's doc; http1's
			// ReadHeaderTimeout), which this echo does not set.
			in = make([]byte, 5+rng.IntN(3000))
			for j := range in {
				in[j] = byte(rng.Uint32())
			}
		} else { // a ClientHello with bytes flipped
			in = bytes.Clone(hello)
			for range 1 + rng.IntN(8) {
				in[rng.IntN(len(in))] ^= byte(1 + rng.IntN(255))
			}
		}
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		c.Write(in)
		start := time.Now()
		_, err = readAll(t, c, 5*time.Second)
		c.Close()
		if ne, ok := err.(net.Error); ok && ne.Timeout() {
			t.Fatalf("input %d (%d bytes) left hanging for %v", i, len(in), time.Since(start))
		}
	}
}

// TestStalledHandshakesAreBounded: many clients that send a ClientHello
// and stall hold a goroutine each only until the handshake timeout; the
// server closes them all within it, and serves a good client meanwhile.
func TestStalledHandshakesAreBounded(t *testing.T) {
	cert, pool := testCert(t)
	// The good client's handshake waits for CPU behind the 1,000 server
	// flights (seconds under -race on a loaded machine): the timeout
	// must not be tight.
	const timeout = 3 * time.Second
	addr, e := serveEcho(t, &tls.Config{Certificates: []tls.Certificate{cert}}, timeout)
	hello := clientHello(t)
	n := 1000
	if testing.Short() {
		n = 200
	}
	conns := make([]net.Conn, 0, n)
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	for range n {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
		c.Write(hello)
	}
	// A good client is served while they stall.
	gc, err := tls.Dial("tcp", addr, &tls.Config{RootCAs: pool, ServerName: "localhost"})
	if err != nil {
		t.Fatal(err)
	}
	gc.Write([]byte("ping"))
	buf := make([]byte, 4)
	if _, err := io.ReadFull(gc, buf); err != nil || string(buf) != "ping" {
		t.Fatalf("good client: %q, %v", buf, err)
	}
	gc.Close()
	start := time.Now()
	var wg sync.WaitGroup
	late := make(chan int, n)
	for i, c := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// The server's flight, then its close.
			if _, err := readAll(t, c, 10*time.Second); err != nil {
				if ne, ok := err.(net.Error); ok && ne.Timeout() {
					late <- i
				}
			}
		}()
	}
	wg.Wait()
	close(late)
	for i := range late {
		t.Fatalf("stalled connection %d not closed within 10s", i)
	}
	if d := time.Since(start); d > timeout+5*time.Second {
		t.Fatalf("closing the stalled handshakes took %v", d)
	}
	// Their goroutines are gone.
	deadline := time.Now().Add(5 * time.Second)
	for e.hs.Active() > 0 {
		if time.Now().After(deadline) {
			t.Fatalf("%d handshakes remain", e.hs.Active())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestSilentClientHoldsNoGoroutine: a connection that has sent part of a
// ClientHello, or nothing, has no handshake goroutine.
func TestSilentClientHoldsNoGoroutine(t *testing.T) {
	cert, _ := testCert(t)
	addr, e := serveEcho(t, &tls.Config{Certificates: []tls.Certificate{cert}}, time.Minute)
	hello := clientHello(t)
	for i := range 200 {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		c.Write(hello[:i%len(hello)])
	}
	// Prove the server has read them: a full hello on a last one, on the
	// same loops, starts exactly one handshake.
	c, _ := net.Dial("tcp", addr)
	defer c.Close()
	c.Write(hello)
	deadline := time.Now().Add(5 * time.Second)
	for e.hs.Active() < 1 {
		if time.Now().After(deadline) {
			t.Fatal("the complete ClientHello started no handshake")
		}
		time.Sleep(time.Millisecond)
	}
	if n := e.hs.Active(); n != 1 {
		t.Fatalf("%d handshakes for 200 partial ClientHellos and one whole", n)
	}
}

// TestStallInsideTheFirstRecordIsBounded: a client that stops anywhere
// inside its first record (within the header, within the ClientHello) is
// closed by the handshake timeout, which runs from its first byte, with no
// read deadline set by the protocol (this echo sets none).
func TestStallInsideTheFirstRecordIsBounded(t *testing.T) {
	cert, _ := testCert(t)
	addr, _ := serveEcho(t, &tls.Config{Certificates: []tls.Certificate{cert}}, 300*time.Millisecond)
	hello := clientHello(t)
	for _, n := range []int{1, 4, 5, 6, len(hello) / 2, len(hello) - 1} {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		c.Write(hello[:n])
		start := time.Now()
		_, err = readAll(t, c, 10*time.Second)
		c.Close()
		if ne, ok := err.(net.Error); ok && ne.Timeout() {
			t.Fatalf("a client that stopped after %d of its ClientHello's %d bytes was held for %v", n, len(hello), time.Since(start))
		}
	}
}
