package ws_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/shio-rt/shio/http1"
	"github.com/shio-rt/shio/ws"
)

func handshake(t *testing.T, addr, extra string) *http.Response {
	t.Helper()
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	nc.SetDeadline(time.Now().Add(10 * time.Second))
	io.WriteString(nc, "GET / HTTP/1.1\r\nHost: "+addr+"\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"+
		"Sec-WebSocket-Key: "+testKey+"\r\n"+extra+"\r\n")
	resp, err := http.ReadResponse(newReader(nc), nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp
}

func TestHandshakeRefusals(t *testing.T) {
	up := ws.Upgrader{Subprotocols: []string{"chat.v2", "chat.v1"}}
	addr := serveWS(t, &up, echo{})
	for _, tc := range []struct {
		name, extra string
		status      int
	}{
		{"version 8 gets 426", "Sec-WebSocket-Version: 8\r\n", http.StatusUpgradeRequired},
		{"no version gets 426", "", http.StatusUpgradeRequired},
		{"cross-origin gets 403", "Sec-WebSocket-Version: 13\r\nOrigin: http://evil.example\r\n", http.StatusForbidden},
		{"same origin is accepted", "Sec-WebSocket-Version: 13\r\nOrigin: http://" + addr + "\r\n", http.StatusSwitchingProtocols},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp := handshake(t, addr, tc.extra)
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d", resp.StatusCode, tc.status)
			}
			if tc.status == http.StatusUpgradeRequired && resp.Header.Get("Sec-WebSocket-Version") != "13" {
				t.Fatalf("426 without Sec-WebSocket-Version: 13: %v", resp.Header)
			}
		})
	}
	t.Run("subprotocol by server preference", func(t *testing.T) {
		resp := handshake(t, addr, "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: chat.v1, chat.v2\r\n")
		if got := resp.Header.Get("Sec-WebSocket-Protocol"); got != "chat.v2" {
			t.Fatalf("subprotocol %q, want chat.v2", got)
		}
	})
}

// TestHijackFallback serves the same echo from net/http's server, behind
// a middleware wrapper, through http.Hijacker.
func TestHijackFallback(t *testing.T) {
	var up ws.Upgrader
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		up.Accept(wrapped{w}, r, echo{})
	}))
	defer srv.Close()
	addr := strings.TrimPrefix(srv.URL, "http://")
	c := dialRaw(t, addr)
	c.sendSplit(text("over net/http"))
	c.expect(1, "over net/http")
	c.send(frame(0x89, []byte("p"), false))
	c.expect(10, "p")
	c.send(frame(0x88, closePayload(1000, ""), false))
	c.expectClose(1000)
}

// wrapped is a middleware's ResponseWriter.
type wrapped struct{ http.ResponseWriter }

func (w wrapped) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// TestShutdownSends1001: a server shutting down closes each WebSocket
// with 1001, and Shutdown returns once the peers have answered.
func TestShutdownSends1001(t *testing.T) {
	var up ws.Upgrader
	s := &http1.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		up.Accept(w, r, echo{})
	})}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- s.Serve(ln) }()
	c := dialRaw(t, ln.Addr().String())
	c.send(text("hi"))
	c.expect(1, "hi")
	shut := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		shut <- s.Shutdown(ctx)
	}()
	f, err := c.read()
	if err != nil || f.op != 8 || len(f.p) < 2 || f.p[0] != 0x03 || f.p[1] != 0xe9 {
		t.Fatalf("got %v %v, want a 1001 close frame", f, err)
	}
	c.send(frame(0x88, f.p[:2], false))
	if err := <-shut; err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	if err := <-done; !errors.Is(err, http.ErrServerClosed) {
		t.Fatalf("Serve: %v", err)
	}
	if st := s.Stats(); st.Open != 0 || st.Hijacked != 1 {
		t.Fatalf("stats after shutdown: %+v", st)
	}
}

// TestFramesWithTheHandshake: frames sent in the same write as the
// opening handshake (which the server's HTTP parser has already taken in)
// reach the WebSocket connection first, a partial frame among them
// completed by later bytes.
func TestFramesWithTheHandshake(t *testing.T) {
	var up ws.Upgrader
	addr := serveWS(t, &up, echo{})
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	nc.SetDeadline(time.Now().Add(10 * time.Second))
	second := text("second")
	req := "GET / HTTP/1.1\r\nHost: " + addr + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Key: " + testKey + "\r\nSec-WebSocket-Version: 13\r\n\r\n"
	nc.Write(cat([]byte(req), text("first"), second[:3]))
	br := newReader(nc)
	resp, err := http.ReadResponse(br, nil)
	if err != nil || resp.StatusCode != 101 {
		t.Fatalf("handshake: %v %v", resp, err)
	}
	nc.Write(second[3:])
	c := &rawClient{t: t, nc: nc, br: br}
	c.expect(1, "first")
	c.expect(1, "second")
}
