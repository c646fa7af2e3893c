package reactor_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/shio-rt/shio/reactor"
)

func TestShutdownLosesNothingTheServerRead(t *testing.T) {
	// The linger must outlast the clients' reading of what is in flight
	// (megabytes per connection, slow under -race on a shared machine).
	r, err := reactor.New(reactor.Config{Loops: 2, LingerTimeout: 20 * time.Second}, &echo{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	a, err := r.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	const clients = 20
	var received atomic.Int64
	var wg sync.WaitGroup
	started := make(chan struct{}, clients)
	for i := range clients {
		c, err := net.Dial("tcp", a.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		wg.Add(2)
		go func() { // keep sending until the server closes
			defer wg.Done()
			chunk := bytes.Repeat([]byte{byte(i)}, 1000)
			started <- struct{}{}
			for {
				if _, err := c.Write(chunk); err != nil {
					return
				}
			}
		}()
		go func() { // count the echo until EOF; every byte must be ours
			defer wg.Done()
			buf := make([]byte, 32<<10)
			for {
				n, err := c.Read(buf)
				for _, b := range buf[:n] {
					if b != byte(i) {
						t.Errorf("client %d got byte %d", i, b)
						return
					}
				}
				received.Add(int64(n))
				if err != nil {
					c.Close() // a polite client closes on EOF
					return
				}
			}
		}()
	}
	for range clients {
		<-started
	}
	eventually(t, "data in flight", func() bool { return r.Stats().BytesWritten > 1<<20 })
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	begin := time.Now()
	if err := r.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	t.Logf("Shutdown took %v", time.Since(begin))
	wg.Wait()
	t.Logf("clients done after %v", time.Since(begin))
	s := r.Stats()
	if s.BytesWritten != s.BytesRead {
		t.Fatalf("server read %d bytes but wrote %d: acknowledged data lost", s.BytesRead, s.BytesWritten)
	}
	if portable {
		// The portable Close does not linger (Config.LingerTimeout): it
		// closes a socket the clients still send to, so the kernel resets
		// it and discards what was still in flight to them.
		return
	}
	if received.Load() != s.BytesWritten {
		t.Fatalf("clients received %d bytes, server wrote %d", received.Load(), s.BytesWritten)
	}
	if s.Open != 0 {
		t.Fatalf("%d connections open after Shutdown", s.Open)
	}
}

// stubborn never closes its connections on shutdown.
type stubborn struct{ echo }

func (s *stubborn) OnShutdown(c *reactor.Conn) {}

func TestShutdownCancelledClosesEverythingAndReturnsCtxErr(t *testing.T) {
	done := make(chan error, 1)
	r, addr := start(t, reactor.Config{}, &stubborn{echo{done: done}})
	dial(t, addr)
	eventually(t, "connection open", func() bool { return r.Stats().Open == 1 })
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := r.Shutdown(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Shutdown = %v, want DeadlineExceeded", err)
	}
	if err := waitClose(t, done); !errors.Is(err, reactor.ErrReactorClosed) {
		t.Fatalf("OnClose error %v, want ErrReactorClosed", err)
	}
	if _, err := r.Listen("tcp", "127.0.0.1:0"); !errors.Is(err, reactor.ErrReactorClosed) {
		t.Fatalf("Listen after Shutdown = %v", err)
	}
}

func TestServeTakesOverAStandardListener(t *testing.T) {
	r, err := reactor.New(reactor.Config{LingerTimeout: 10 * time.Millisecond}, &echo{})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Serve(ln); err != nil {
		t.Fatal(err)
	}
	c := dial(t, ln.Addr().String())
	c.Write([]byte("served"))
	got := make([]byte, 6)
	if _, err := io.ReadFull(c, got); err != nil || string(got) != "served" {
		t.Fatalf("got %q, %v", got, err)
	}
	if err := r.Shutdown(ctxTimeout(t, 10*time.Second)); err != nil {
		t.Fatal(err)
	}
	if _, err := ln.Accept(); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("listener still open after Shutdown: %v", err)
	}
}

// client counts what a dialled connection receives.
type client struct {
	echo
	got chan []byte
}

func (c *client) OnData(conn *reactor.Conn, data []byte) int {
	c.got <- append([]byte(nil), data...)
	return len(data)
}

func TestDialConnectsOnTheLoops(t *testing.T) {
	_, addr := start(t, reactor.Config{}, &echo{})
	cl := &client{got: make(chan []byte, 16)}
	r, err := reactor.New(reactor.Config{Loops: 1}, cl)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	c, err := r.Dial(ctxTimeout(t, 5*time.Second), "tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	if !c.Dialed() || c.RemoteAddr().String() != addr {
		t.Fatalf("Dialed %v, RemoteAddr %v", c.Dialed(), c.RemoteAddr())
	}
	c.Write([]byte("ping"))
	if got := <-cl.got; string(got) != "ping" {
		t.Fatalf("got %q", got)
	}
	if s := r.Stats(); s.Dialed != 1 || s.Open != 1 {
		t.Fatalf("stats %+v", s)
	}
}

func TestDialWithCancelledContextLeavesNothing(t *testing.T) {
	_, addr := start(t, reactor.Config{}, &echo{})
	r, err := reactor.New(reactor.Config{Loops: 1}, &echo{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := r.Dial(ctx, "tcp", addr); !errors.Is(err, context.Canceled) {
		t.Fatalf("Dial = %v, want Canceled", err)
	}
	if s := r.Stats(); s.Open != 0 || s.Dialed != 0 {
		t.Fatalf("stats %+v", s)
	}
}

// wrapped hides the *net.TCPListener so Serve takes its accepting path.
type wrapped struct{ net.Listener }

func TestServeAcceptsFromAnyListenerOfTCPConns(t *testing.T) {
	r, err := reactor.New(reactor.Config{LingerTimeout: 10 * time.Millisecond}, &echo{})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Serve(wrapped{ln}); err != nil {
		t.Fatal(err)
	}
	c := dial(t, ln.Addr().String())
	c.Write([]byte("wrapped"))
	got := make([]byte, 7)
	if _, err := io.ReadFull(c, got); err != nil || string(got) != "wrapped" {
		t.Fatalf("got %q, %v", got, err)
	}
	if err := r.Shutdown(ctxTimeout(t, 10*time.Second)); err != nil {
		t.Fatal(err)
	}
	if s := r.Stats(); s.Accepted != 1 || s.Open != 0 {
		t.Fatalf("stats %+v", s)
	}
}
