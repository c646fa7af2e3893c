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

func TestIdleTimeoutClosesSilently(t *testing.T) {
	forEachPath(t, func(t *testing.T) {
		s := &http1.Server{Handler: http.HandlerFunc(hello), IdleTimeout: 100 * time.Millisecond, ReadHeaderTimeout: time.Hour}
		addr := serve(t, s)

		// No byte at all.
		c := dial(t, addr)
		if b, err := io.ReadAll(c.conn); len(b) != 0 {
			t.Fatalf("fresh idle connection got %q (%v)", b, err)
		}

		// Idle after a request.
		c = dial(t, addr)
		c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
		if res, _ := c.response("GET"); res.StatusCode != 200 {
			t.Fatalf("status %d", res.StatusCode)
		}
		if b, err := io.ReadAll(c.br); len(b) != 0 {
			t.Fatalf("idle keep-alive connection got %q (%v)", b, err)
		}
	})
}
