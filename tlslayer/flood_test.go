package tlslayer_test

import (
	"crypto/tls"
	"io"
	"net"
	"runtime"
	"testing"
	"time"

	"github.com/shio-rt/shio/tlslayer"
)

// TestHandshakeFloodHoldsBoundedGoroutines: 5,000 clients that send a
// ClientHello and then stall hold at most MaxHandshakes goroutines; the
// rest wait without one, the server's memory per connection stays small,
// a good client is served during the flood (a handshake that waits on a
// silent peer gives its slot up), and every flooding connection is closed
// within the handshake timeout.
func TestHandshakeFloodHoldsBoundedGoroutines(t *testing.T) {
	cert, pool := testCert(t)
	const (
		slots   = 32
		timeout = 3 * time.Second
	)
	n := 5000
	if testing.Short() {
		n = 1000
	}
	addr, e := serveEchoWith(t, &tlslayer.Handshaker{
		TLS:           &tls.Config{Certificates: []tls.Certificate{cert}},
		Timeout:       timeout,
		MaxHandshakes: slots,
	})
	hello := clientHello(t)
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	goroutines := runtime.NumGoroutine()

	conns := make([]net.Conn, 0, n)
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	peak, waited := 0, 0
	watch := func() {
		peak = max(peak, e.hs.Active())
		waited = max(waited, e.hs.Waiting())
	}
	start := time.Now()
	for i := range n {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatalf("connection %d: %v", i, err)
		}
		conns = append(conns, c)
		c.Write(hello)
		if i%100 == 0 {
			watch()
		}
	}
	watch()
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	if g := runtime.NumGoroutine() - goroutines; g > slots+16 {
		t.Errorf("%d more goroutines during a flood of %d stalled handshakes, want at most %d", g, n, slots)
	}
	grown := int64(after.HeapInuse+after.StackInuse) - int64(before.HeapInuse+before.StackInuse)
	t.Logf("%d connections in %v: heap and stacks grew %d KB (%d B a connection); peak %d running, %d waiting",
		n, time.Since(start).Round(time.Millisecond), grown>>10, grown/int64(n), peak, waited)
	if per := grown / int64(n); per > 8<<10 {
		t.Errorf("%d B of heap and stack per stalled handshake, want under 8 KiB (no goroutine each)", per)
	}
	if peak > slots {
		t.Errorf("%d handshakes ran at once, want at most %d", peak, slots)
	}
	if waited == 0 {
		t.Errorf("no connection waited for a slot: the flood did not reach the bound")
	}

	// A good client is served during the flood, well before the timeout
	// of the flooding connections that arrived before it.
	served := time.Now()
	gc, err := tls.DialWithDialer(&net.Dialer{Timeout: 2 * timeout}, "tcp", addr,
		&tls.Config{RootCAs: pool, ServerName: "localhost"})
	if err != nil {
		t.Fatalf("good client during the flood: %v", err)
	}
	gc.SetDeadline(time.Now().Add(2 * timeout))
	gc.Write([]byte("ping"))
	buf := make([]byte, 4)
	if _, err := io.ReadFull(gc, buf); err != nil || string(buf) != "ping" {
		t.Fatalf("good client: %q, %v", buf, err)
	}
	gc.Close()
	t.Logf("good client served in %v", time.Since(served).Round(time.Millisecond))

	// Every flooding connection is closed within its timeout (generous
	// slack for a loaded machine).
	deadline := start.Add(time.Since(start) + timeout + 20*time.Second)
	for i, c := range conns {
		c.SetReadDeadline(deadline)
		if _, err := io.Copy(io.Discard, c); err != nil {
			if ne, ok := err.(net.Error); ok && ne.Timeout() {
				t.Fatalf("flooding connection %d not closed by the server", i)
			}
		}
	}
	t.Logf("all closed %v after the flood began", time.Since(start).Round(time.Millisecond))
	for e.hs.Active() > 0 || e.hs.Waiting() > 0 {
		if time.Now().After(deadline) {
			t.Fatalf("%d handshakes running and %d waiting after every connection closed", e.hs.Active(), e.hs.Waiting())
		}
		time.Sleep(10 * time.Millisecond)
	}
}
