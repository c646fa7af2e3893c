package http1

import (
	"bufio"
	"net"
	"net/http"
	"runtime"
	"strings"
	"testing"
	"time"
	"weak"

	"github.com/shio-rt/shio/reactor"
)

// ownHandler is a protocol handler that, as a WebSocket handler does,
// takes the connection's attachment in OnOpen and reports its close.
type ownHandler struct {
	closed func(error)
	gone   chan struct{}
}

func (h *ownHandler) OnOpen(c *reactor.Conn)               { c.Attach(h) }
func (h *ownHandler) OnData(_ *reactor.Conn, p []byte) int { return len(p) }
func (h *ownHandler) OnClose(_ *reactor.Conn, err error) {
	h.closed(err)
	close(h.gone)
}

// An idle upgraded connection does not keep the HTTP connection's state:
// once the request goroutine is done, the rconn is garbage (it stayed
// reachable through the closed function Upgrade gave the new handler,
// ~200 bytes per idle WebSocket). Closing the connection afterwards still
// settles the Server's count of open connections.
func TestUpgradedConnectionReleasesItsRconn(t *testing.T) {
	var wp weak.Pointer[rconn]
	h := &ownHandler{gone: make(chan struct{})}
	upgraded := make(chan struct{})
	s := &Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		wp = weak.Make(unwrapResponse(w).c.rwc.(*rconn))
		w.Header().Set("Connection", "Upgrade")
		w.Header().Set("Upgrade", "test")
		if err := Upgrade(w, func(c *reactor.Conn, unread []byte, closed func(error)) reactor.Handler {
			h.closed = closed
			return h
		}); err != nil {
			t.Error(err)
		}
		close(upgraded)
	})}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go s.Serve(ln)
	defer s.Close()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Write([]byte("GET / HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: test\r\n\r\n")); err != nil {
		t.Fatal(err)
	}
	status, err := bufio.NewReader(c).ReadString('\n')
	if err != nil || !strings.Contains(status, "101") {
		t.Fatalf("status line %q, %v", status, err)
	}
	<-upgraded
	deadline := time.Now().Add(10 * time.Second)
	for wp.Value() != nil {
		if time.Now().After(deadline) {
			t.Fatal("the upgraded connection's rconn is still reachable 10 s after its request goroutine ended")
		}
		runtime.GC()
		time.Sleep(10 * time.Millisecond)
	}
	if n := s.Stats().Open; n != 1 {
		t.Fatalf("Stats.Open = %d with the upgraded connection open, want 1", n)
	}
	c.Close()
	select {
	case <-h.gone:
	case <-time.After(10 * time.Second):
		t.Fatal("no OnClose after the client closed")
	}
	if n := s.Stats().Open; n != 0 {
		t.Fatalf("Stats.Open = %d after the upgraded connection closed, want 0", n)
	}
}
