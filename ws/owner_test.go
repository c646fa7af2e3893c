package ws_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/shio-rt/shio/http1"
	"github.com/shio-rt/shio/reactor"
	"github.com/shio-rt/shio/tcp"
	"github.com/shio-rt/shio/ws"
)

// TestShutdownOnNetworkSends1001: an http1.Server serving a tcp.Network's
// listener (loops it does not own) says 1001 to its WebSocket connections
// when its Shutdown begins, and Shutdown returns once they are gone,
// while the Network keeps running.
func TestShutdownOnNetworkSends1001(t *testing.T) {
	n, err := tcp.New(reactor.Config{Loops: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	ln, err := n.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var up ws.Upgrader
	// A connection that the listener queued before Serve took it over is
	// served with a goroutine, through http.Hijacker: the Upgrader joins it.
	defer up.Shutdown(context.Background())
	s := &http1.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		up.Accept(w, r, echo{})
	})}
	done := make(chan error, 1)
	go func() { done <- s.Serve(ln) }()
	c := dialRaw(t, ln.Addr().String())
	c.send(text("hi"))
	c.expect(1, "hi")
	shut := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
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
}

// TestUpgraderShutdown: connections upgraded through http.Hijacker get
// 1001 from Upgrader.Shutdown, which returns once their goroutines have
// exited; a later upgrade is refused with 503.
func TestUpgraderShutdown(t *testing.T) {
	up := ws.Upgrader{Config: ws.Config{CloseTimeout: 300 * time.Millisecond}}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		up.Accept(w, r, echo{})
	}))
	defer srv.Close()
	addr := strings.TrimPrefix(srv.URL, "http://")
	answering, silent := dialRaw(t, addr), dialRaw(t, addr)
	answering.send(text("hi"))
	answering.expect(1, "hi")
	shut := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		shut <- up.Shutdown(ctx)
	}()
	for _, c := range []*rawClient{answering, silent} {
		f, err := c.read()
		if err != nil || f.op != 8 || len(f.p) < 2 || f.p[0] != 0x03 || f.p[1] != 0xe9 {
			t.Fatalf("got %v %v, want a 1001 close frame", f, err)
		}
	}
	answering.send(frame(0x88, closePayload(1001, ""), false))
	// silent never answers: its connection ends at CloseTimeout.
	if err := <-shut; err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	if resp := handshake(t, addr, "Sec-WebSocket-Version: 13\r\n"); resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("upgrade after Shutdown: %s, want 503", resp.Status)
	}
}

// TestUpgraderShutdownCancellation: Shutdown returns ctx.Err() while a
// peer has not answered, and a later call waits for what is left.
func TestUpgraderShutdownCancellation(t *testing.T) {
	up := ws.Upgrader{Config: ws.Config{CloseTimeout: 30 * time.Second}}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		up.Accept(w, r, echo{})
	}))
	defer srv.Close()
	c := dialRaw(t, strings.TrimPrefix(srv.URL, "http://"))
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := up.Shutdown(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Shutdown with a silent peer: %v", err)
	}
	if f, err := c.read(); err != nil || f.op != 8 {
		t.Fatalf("got %v %v, want a close frame", f, err)
	}
	c.send(frame(0x88, closePayload(1001, ""), false))
	if err := up.Shutdown(context.Background()); err != nil {
		t.Fatalf("second Shutdown: %v", err)
	}
}

// TestDialWait: Wait joins a dialed connection's goroutine after Close
// (the leak check in TestMain would see it otherwise), and returns how it
// ended; a cancelled Wait leaves the connection open.
func TestDialWait(t *testing.T) {
	var up ws.Upgrader
	addr := serveWS(t, &up, echo{})
	for _, h := range []ws.Handler{nil, echo{}} {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		c, _, err := ws.Dial(ctx, "ws://"+addr+"/", h)
		if err != nil {
			t.Fatal(err)
		}
		short, cancelShort := context.WithTimeout(ctx, 10*time.Millisecond)
		if err := c.Wait(short); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Wait on an open connection: %v", err)
		}
		cancelShort()
		if err := c.WriteMessage(ctx, ws.TextMessage, []byte("still open")); err != nil {
			t.Fatalf("write after a cancelled Wait: %v", err)
		}
		c.Close(ws.StatusNormal, "")
		var ce *ws.CloseError
		if err := c.Wait(ctx); !errors.As(err, &ce) || ce.Code != ws.StatusNormal {
			t.Fatalf("Wait: %v", err)
		}
		cancel()
	}
}

// TestNetHTTPShutdownSends1001: under net/http's server, whose Shutdown
// does not close hijacked connections, the Upgrader's hook (registered
// with RegisterOnShutdown at the first upgrade) sends 1001.
func TestNetHTTPShutdownSends1001(t *testing.T) {
	var up ws.Upgrader
	defer up.Shutdown(context.Background())
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		up.Accept(w, r, echo{})
	})}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	c := dialRaw(t, ln.Addr().String())
	c.send(text("hi"))
	c.expect(1, "hi")
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	<-done
	f, err := c.read()
	if err != nil || f.op != 8 || len(f.p) < 2 || f.p[0] != 0x03 || f.p[1] != 0xe9 {
		t.Fatalf("got %v %v, want a 1001 close frame", f, err)
	}
	c.send(frame(0x88, f.p[:2], false))
	c.expectEOF()
}
