package http1_test

import (
	"errors"
	"net/http"
	"runtime"
	"testing"
	"time"

	"github.com/shio-rt/shio/http1"
	"github.com/shio-rt/shio/tcp"
)

// A shio tcp.Listener takes the reactor path: idle keep-alive connections
// hold no goroutine (the fallback path would hold one each).
func TestTCPListenerIdleConnectionsHoldNoGoroutine(t *testing.T) {
	if portable {
		t.Skip("the portable reactor serves each connection with a goroutine (reactor package doc, \"Portability\"): idle connections hold one by design")
	}
	const n = 64
	ln, err := tcp.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &http1.Server{Handler: http.HandlerFunc(hello)}
	done := make(chan error, 1)
	go func() { done <- s.Serve(ln) }()
	defer func() {
		s.Close()
		if err := <-done; !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("Serve returned %v", err)
		}
	}()
	addr := ln.Addr().String()

	// Warm up: the first connection may start the Network's goroutines.
	c := dial(t, addr)
	c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	c.response("GET")
	base := settledGoroutines(t, -1)

	for range n {
		c := dial(t, addr)
		c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
		if res, body := c.response("GET"); res.StatusCode != 200 || body != "Hello, World!" || res.Close {
			t.Fatalf("%d %q close=%v", res.StatusCode, body, res.Close)
		}
	}
	if got := settledGoroutines(t, base+n/4); got > base+n/4 {
		t.Fatalf("%d goroutines with %d idle connections, %d before", got, n, base)
	}
	if st := s.Stats(); st.Open != n+1 {
		t.Fatalf("stats %+v, want %d open", st, n+1)
	}
}

// settledGoroutines waits up to a few seconds for the goroutine count to
// reach at most want (any count when want < 0, after it stops changing)
// and returns it.
func settledGoroutines(t *testing.T, want int) int {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	last := runtime.NumGoroutine()
	for time.Now().Before(deadline) {
		runtime.Gosched()
		time.Sleep(10 * time.Millisecond) // polling with a deadline, not synchronisation
		got := runtime.NumGoroutine()
		if want >= 0 && got <= want || want < 0 && got == last {
			return got
		}
		last = got
	}
	return last
}
