package http1_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/shio-rt/shio/http1"
)

// TestReplacedBodyIsStillDrained: a Handler that replaces r.Body (with
// http.MaxBytesReader, the usual case) and leaves part of it unread must
// not make the server take the rest for the next request. Here the body
// holds a request of its own, which must never reach the Handler.
func TestReplacedBodyIsStillDrained(t *testing.T) {
	forEachPath(t, func(t *testing.T) {
		paths := make(chan string, 8)
		s := &http1.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			paths <- r.URL.Path
			r.Body = http.MaxBytesReader(w, r.Body, 10)
			if _, err := io.ReadAll(r.Body); err != nil {
				http.Error(w, "too large", http.StatusRequestEntityTooLarge)
				return
			}
			io.WriteString(w, "ok")
		})}
		c := dial(t, serve(t, s))
		smuggled := "GET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n"
		smuggled += strings.Repeat("x", 200-len(smuggled))
		c.send("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 200\r\n\r\n" + smuggled +
			"GET /next HTTP/1.1\r\nHost: x\r\n\r\n")
		if resp, _ := c.response("POST"); resp.StatusCode != http.StatusRequestEntityTooLarge {
			t.Fatalf("status %d, want 413", resp.StatusCode)
		}
		if resp, body := c.response("GET"); resp.StatusCode != http.StatusOK || body != "ok" {
			t.Fatalf("next request: %d %q", resp.StatusCode, body)
		}
		for _, want := range []string{"/upload", "/next"} {
			if got := <-paths; got != want {
				t.Fatalf("the Handler saw %s, want %s", got, want)
			}
		}
	})
}
