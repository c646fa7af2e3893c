package http1_test

import (
	"io"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shio-rt/shio/http1"
)

// ConnState passes the connection through StateIdle and StateActive between
// every two requests, as net/http reports them, however the next request
// arrived: each on its own, several in one segment (already in the buffer
// when the first is parsed), or pipelined behind a body while its Handler
// reads it. net/http serves the same client as the reference.
func TestConnStateBetweenPipelinedRequestsAsNetHTTP(t *testing.T) {
	const req = "GET / HTTP/1.1\r\nHost: x\r\n\r\n"
	post := "POST /body HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n"
	scenarios := []struct {
		name string
		n    int                                       // responses
		send func(c *client, readPart <-chan bool) int // the client's side: how many responses it read
	}{
		{"one by one", 3, func(c *client, _ <-chan bool) int {
			for range 3 {
				c.send(req)
				c.response("GET")
			}
			return 3
		}},
		{"in one segment", 3, func(c *client, _ <-chan bool) int { c.send(req + req + req); return 0 }},
		{"behind a body", 3, func(c *client, readPart <-chan bool) int {
			c.send(post + "01234")
			<-readPart // the Handler has the first half of its body
			c.send("56789" + req + req)
			return 0
		}},
		{"head split after the previous request", 2, func(c *client, _ <-chan bool) int {
			c.send(req + req[:9])
			c.response("GET")
			c.send(req[9:])
			return 1
		}},
	}
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			run := func(t *testing.T, serve func(t *testing.T, h http.Handler, cs func(net.Conn, http.ConnState)) string) []http.ConnState {
				var mu sync.Mutex
				var states []http.ConnState
				closed := make(chan struct{})
				readPart := make(chan bool, 1)
				h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					if r.Method == "POST" {
						part := make([]byte, 5)
						if _, err := io.ReadFull(r.Body, part); err != nil {
							t.Errorf("body: %v", err)
						}
						readPart <- true
						io.ReadAll(r.Body)
					}
					io.WriteString(w, "ok")
				})
				addr := serve(t, h, func(_ net.Conn, st http.ConnState) {
					mu.Lock()
					states = append(states, st)
					mu.Unlock()
					if st == http.StateClosed {
						close(closed)
					}
				})
				c := dial(t, addr)
				for read := sc.send(c, readPart); read < sc.n; read++ {
					if res, body := c.response("GET"); res.StatusCode != 200 || body != "ok" {
						t.Fatalf("response %d: %d %q", read, res.StatusCode, body)
					}
				}
				c.conn.Close()
				select {
				case <-closed:
				case <-time.After(10 * time.Second):
					t.Fatal("no StateClosed")
				}
				mu.Lock()
				defer mu.Unlock()
				return slices.Clone(states)
			}
			var want []http.ConnState
			t.Run("net/http", func(t *testing.T) {
				want = run(t, func(t *testing.T, h http.Handler, cs func(net.Conn, http.ConnState)) string {
					ln, err := net.Listen("tcp", "127.0.0.1:0")
					if err != nil {
						t.Fatal(err)
					}
					s := &http.Server{Handler: h, ConnState: cs}
					done := make(chan struct{})
					go func() { s.Serve(ln); close(done) }()
					t.Cleanup(func() { s.Close(); <-done })
					return ln.Addr().String()
				})
			})
			if want == nil {
				t.Fatal("no reference from net/http")
			}
			forEachPath(t, func(t *testing.T) {
				got := run(t, func(t *testing.T, h http.Handler, cs func(net.Conn, http.ConnState)) string {
					return serve(t, &http1.Server{Handler: h, ConnState: cs})
				})
				if !slices.Equal(got, want) {
					t.Fatalf("ConnState saw %v; net/http %v", names(got), names(want))
				}
			})
		})
	}
}

func names(states []http.ConnState) string {
	var b strings.Builder
	for i, s := range states {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(s.String())
	}
	return b.String()
}
