package http1_test

import (
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/shio-rt/shio/http1"
)

func TestHeaderTimeoutAnswers408(t *testing.T) {
	forEachPath(t, func(t *testing.T) {
		s := &http1.Server{Handler: http.HandlerFunc(hello), ReadHeaderTimeout: 100 * time.Millisecond}
		addr := serve(t, s)

		// A partial head on a fresh connection.
		c := dial(t, addr)
		c.send("GET / HTTP/1.1\r\nHost: x\r\n")
		res, _ := c.response("GET")
		if res.StatusCode != 408 || !res.Close || !c.closed() {
			t.Fatalf("fresh connection: %d close=%v %v", res.StatusCode, res.Close, res.Header)
		}

		// A partial head after a complete request on a keep-alive connection.
		c = dial(t, addr)
		c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\nGET /second HTT")
		if res, body := c.response("GET"); res.StatusCode != 200 || body != "Hello, World!" {
			t.Fatalf("first request: %d %q", res.StatusCode, body)
		}
		res, _ = c.response("GET")
		if res.StatusCode != 408 || !res.Close || !c.closed() {
			t.Fatalf("keep-alive connection: %d close=%v", res.StatusCode, res.Close)
		}
		if st := s.Stats(); st.Rejected != 2 {
			t.Fatalf("stats %+v", st)
		}
	})
}

// TestSilentConnectionClosesAfterReadHeaderTimeout: a connection that
// sends nothing is dropped, without a word, ReadHeaderTimeout after the
// accept (as net/http does), not held for IdleTimeout; one that sends
// part of a head gets 408 by the same time from the accept.
func TestSilentConnectionClosesAfterReadHeaderTimeout(t *testing.T) {
	forEachPath(t, func(t *testing.T) {
		const rht = time.Second
		s := &http1.Server{Handler: http.HandlerFunc(hello), IdleTimeout: time.Hour, ReadHeaderTimeout: rht}
		addr := serve(t, s)
		start := time.Now()
		c := dial(t, addr)
		if b, err := io.ReadAll(c.conn); len(b) != 0 || err != nil {
			t.Fatalf("silent connection got %q (%v)", b, err)
		}
		if took := time.Since(start); took < rht || took > rht+5*time.Second {
			t.Fatalf("silent connection closed after %v; ReadHeaderTimeout is %v", took, rht)
		}

		start = time.Now()
		c = dial(t, addr)
		time.Sleep(rht * 4 / 5) // time passes before the first byte: it counts
		c.send("GET / HTTP/1.1\r\n")
		res, _ := c.response("GET")
		if took := time.Since(start); res.StatusCode != http.StatusRequestTimeout || took > rht+rht/2 { // from the first byte it would be 1.8 s
			t.Fatalf("partial first head: %d after %v; want 408 about ReadHeaderTimeout (%v) after the accept", res.StatusCode, took, rht)
		}
	})
}

func TestIdleTimeoutClosesSilently(t *testing.T) {
	forEachPath(t, func(t *testing.T) {
		s := &http1.Server{Handler: http.HandlerFunc(hello), IdleTimeout: 100 * time.Millisecond, ReadHeaderTimeout: time.Hour}
		addr := serve(t, s)

		// Idle after a request.
		c := dial(t, addr)
		c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
		if res, _ := c.response("GET"); res.StatusCode != 200 {
			t.Fatalf("status %d", res.StatusCode)
		}
		if b, err := io.ReadAll(c.br); len(b) != 0 {
			t.Fatalf("idle keep-alive connection got %q (%v)", b, err)
		}
	})
}

// TestMalformedLineAnsweredAtOnce: a malformed request line or field line
// gets its 400 as soon as the line is complete, not after
// ReadHeaderTimeout (a 408) as it would if the server waited for the
// head's end.
func TestMalformedLineAnsweredAtOnce(t *testing.T) {
	forEachPath(t, func(t *testing.T) {
		addr := serve(t, &http1.Server{Handler: http.HandlerFunc(hello), ReadHeaderTimeout: time.Hour})
		for _, partial := range []string{
			"GET / HTTP/1.1 junk\r\n",
			"GET / HTTP/1.1\r\nHost: x\r\nBad Name: v\r\n",
		} {
			c := dial(t, addr) // its deadline fails the test if no answer comes
			c.send(partial)
			if res, _ := c.response("GET"); res.StatusCode != http.StatusBadRequest || !res.Close {
				t.Fatalf("%q: %d, want 400 and close", partial, res.StatusCode)
			}
		}
	})
}
