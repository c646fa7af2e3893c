package ws_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/shio-rt/shio/http1"
	"github.com/shio-rt/shio/ws"
)

// upgradeOne serves one blocking Conn with cfg to a raw client that
// never reads, on an http1.Server's reactor or, with fallback, through
// net/http's Hijacker.
func upgradeOne(t *testing.T, cfg ws.Config, fallback bool) *ws.Conn {
	up := ws.Upgrader{Config: cfg}
	conns := make(chan *ws.Conn, 1)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if c, err := up.Upgrade(w, r); err == nil {
			conns <- c
		}
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if fallback {
		s := &http.Server{Handler: h}
		go s.Serve(ln)
		t.Cleanup(func() {
			s.Close()
			up.Shutdown(context.Background())
		})
	} else {
		s := &http1.Server{Handler: h}
		go s.Serve(ln)
		t.Cleanup(func() { s.Close() })
	}
	dialRaw(t, ln.Addr().String())
	return <-conns
}

// paths are the two ways a server connection is served: on the reactor
// and through the Hijacker fallback.
var paths = []struct {
	name     string
	fallback bool
}{{"reactor", false}, {"fallback", true}}

// TestWriteWaitCancellation: with OverflowWait, a write to a peer that
// reads nothing waits once the queue is full, and returns ctx.Err() when
// ctx ends, having written nothing; TryWriteMessage says ErrQueueFull.
func TestWriteWaitCancellation(t *testing.T) {
	for _, path := range paths {
		t.Run(path.name, func(t *testing.T) {
			testWriteWaitCancellation(t, path.fallback)
		})
	}
}

func testWriteWaitCancellation(t *testing.T, fallback bool) {
	c := upgradeOne(t, ws.Config{MaxOutbound: 64 << 10}, fallback)
	msg := make([]byte, 1<<20)
	for i := 0; ; i++ {
		if i == 200 {
			t.Fatal("200 MiB written to a peer that reads nothing, and no write waited")
		}
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		err := c.WriteMessage(ctx, ws.BinaryMessage, msg)
		cancel()
		if errors.Is(err, context.DeadlineExceeded) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	before := c.Buffered()
	if err := c.TryWriteMessage(ws.BinaryMessage, msg); !errors.Is(err, ws.ErrQueueFull) {
		t.Fatalf("TryWriteMessage on a full queue: %v", err)
	}
	if c.Buffered() != before {
		t.Fatalf("a refused write queued bytes: %d -> %d", before, c.Buffered())
	}
}

// TestOverflowDropAndClose: the other policies drop the message or close
// the connection with the configured code.
func TestOverflowDropAndClose(t *testing.T) {
	for _, path := range paths {
		t.Run(path.name, func(t *testing.T) {
			testOverflowDropAndClose(t, path.fallback)
		})
	}
}

func testOverflowDropAndClose(t *testing.T, fallback bool) {
	for _, tc := range []struct {
		policy ws.Overflow
		want   error
	}{{ws.OverflowDrop, ws.ErrDropped}, {ws.OverflowClose, ws.ErrOverflowClosed}} {
		c := upgradeOne(t, ws.Config{MaxOutbound: 64 << 10, Overflow: tc.policy, OverflowCode: ws.StatusTryAgainLater}, fallback)
		msg := make([]byte, 1<<20)
		var err error
		for i := 0; i < 200 && err == nil; i++ {
			err = c.TryWriteMessage(ws.BinaryMessage, msg)
		}
		if !errors.Is(err, tc.want) {
			t.Fatalf("policy %d: %v, want %v", tc.policy, err, tc.want)
		}
	}
}
