package reactor_test

import (
	"context"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/shio-rt/shio/reactor"
)

// echo is the test handler: it writes back everything it reads and
// records how each connection ended.
type echo struct {
	mu     sync.Mutex
	closed []error
	opened int
	done   chan error // receives every OnClose error, if non-nil
}

func (e *echo) OnOpen(c *reactor.Conn) {
	e.mu.Lock()
	e.opened++
	e.mu.Unlock()
}

func (e *echo) OnData(c *reactor.Conn, data []byte) int {
	c.Write(data)
	return len(data)
}

func (e *echo) OnClose(c *reactor.Conn, err error) {
	e.mu.Lock()
	e.closed = append(e.closed, err)
	e.mu.Unlock()
	if e.done != nil {
		e.done <- err
	}
}

// start returns a reactor serving h on a loopback port, closed when the
// test ends.
func start(t testing.TB, cfg reactor.Config, h reactor.Handler) (*reactor.Reactor, string) {
	t.Helper()
	r, err := reactor.New(cfg, h)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	ln, err := r.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return r, ln.Addr().String()
}

func dial(t testing.TB, addr string) *net.TCPConn {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c.(*net.TCPConn)
}

// eventually polls cond until it holds or the deadline passes.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

func ctxTimeout(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}
