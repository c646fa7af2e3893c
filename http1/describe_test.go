package http1_test

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"runtime"
	"testing"
	"time"

	"github.com/shio-rt/shio/http1"
	"github.com/shio-rt/shio/reactor"
)

// TestServerConnsShowsPhaseAndRequests: a keep-alive connection that has
// carried two requests is described as idle with two requests and the
// bytes it carried; a done ctx returns its error.
func TestServerConnsShowsPhaseAndRequests(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("Conns needs the Linux reactor")
	}
	s := &http1.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "hi") })}
	addr := serve(t, s)
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	br := bufio.NewReader(c)
	for range 2 {
		io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	// The response reaches the client before the request's goroutine has
	// handed the connection back to the loop: the phase becomes idle
	// eventually, not at once.
	var i reactor.ConnInfo
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(time.Millisecond) {
		infos, err := s.Conns(context.Background(), 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(infos) != 1 {
			t.Fatalf("%d connections, want 1: %+v", len(infos), infos)
		}
		i = infos[0]
		if i.Phase == "idle" || time.Now().After(deadline) {
			break
		}
	}
	if i.Remote != c.LocalAddr().String() || i.Proto != "http/1.1" || i.Phase != "idle" || i.Requests != 2 || i.BytesIn == 0 || i.BytesOut == 0 {
		t.Errorf("connection %+v; want idle after 2 requests", i)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := s.Conns(ctx, 0); !errors.Is(err, context.Canceled) {
		t.Errorf("Conns with a done ctx: %v", err)
	}
}
