package ws_test

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/shio-rt/shio/http1"
	"github.com/shio-rt/shio/ws"
)

// TestMessagesBeforeThe101 sends three messages in the same write as the
// opening handshake, then nothing: every one is handled, by a blocking
// reader or a task, without waiting for more input (which never comes),
// on the reactor and on the Hijacker fallback.
func TestMessagesBeforeThe101(t *testing.T) {
	blocking := func(up *ws.Upgrader) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			c, err := up.Upgrade(w, r)
			if err != nil {
				return
			}
			go func() {
				ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
				defer cancel()
				for {
					typ, p, err := c.ReadMessage(ctx)
					if err != nil {
						return
					}
					c.WriteMessage(ctx, typ, p)
				}
			}()
		}
	}
	tasks := func(up *ws.Upgrader) http.HandlerFunc {
		up.Config.HandlerTasks = true
		return func(w http.ResponseWriter, r *http.Request) { up.Accept(w, r, echo{}) }
	}
	for _, tc := range []struct {
		name    string
		handler func(*ws.Upgrader) http.HandlerFunc
		netHTTP bool
	}{
		{"reactor/blocking", blocking, false},
		{"reactor/tasks", tasks, false},
		{"hijack/blocking", blocking, true},
		{"hijack/tasks", tasks, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			up := new(ws.Upgrader)
			h := tc.handler(up)
			var addr string
			if tc.netHTTP {
				srv := httptest.NewServer(h)
				defer srv.Close()
				addr = strings.TrimPrefix(srv.URL, "http://")
			} else {
				s := &http1.Server{Handler: h}
				ln, err := net.Listen("tcp", "127.0.0.1:0")
				if err != nil {
					t.Fatal(err)
				}
				go s.Serve(ln)
				defer s.Close()
				addr = ln.Addr().String()
			}
			nc, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			defer nc.Close()
			nc.SetDeadline(time.Now().Add(10 * time.Second))
			req := "GET / HTTP/1.1\r\nHost: " + addr + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
				"Sec-WebSocket-Key: " + testKey + "\r\nSec-WebSocket-Version: 13\r\n\r\n"
			nc.Write(cat([]byte(req), text("one"), text("two"), text("three")))
			br := newReader(nc)
			resp, err := http.ReadResponse(br, nil)
			if err != nil || resp.StatusCode != 101 {
				t.Fatalf("handshake: %v %v", resp, err)
			}
			c := &rawClient{t: t, nc: nc, br: br}
			c.expect(1, "one")
			c.expect(1, "two")
			c.expect(1, "three")
			c.send(frame(0x88, closePayload(1000, ""), false))
			c.expectClose(1000)
		})
	}
}
