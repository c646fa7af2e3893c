package reactor_test

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/shio-rt/shio/reactor"
)

// Each connection here costs two descriptors (both ends live in this
// process) and the machine allows 20,000, so 4,000 leaves ample room.
const manyConns = 4000

func TestThousandsOfConcurrentConnectionsAllEcho(t *testing.T) {
	r, addr := start(t, reactor.Config{Loops: 2}, &echo{})
	conns := make([]net.Conn, manyConns)
	for i := range conns {
		conns[i] = dial(t, addr)
	}
	eventually(t, "all connections open", func() bool { return r.Stats().Open == manyConns })
	var wg sync.WaitGroup
	errs := make(chan error, manyConns)
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < manyConns; i += 8 {
				msg := fmt.Appendf(nil, "conn %d", i)
				if _, err := conns[i].Write(msg); err != nil {
					errs <- err
					return
				}
				got := make([]byte, len(msg))
				if _, err := io.ReadFull(conns[i], got); err != nil {
					errs <- err
					return
				}
				if !bytes.Equal(got, msg) {
					errs <- fmt.Errorf("conn %d got %q", i, got)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	for _, c := range conns {
		c.Close()
	}
	eventually(t, "all connections closed", func() bool { return r.Stats().Open == 0 })
	if s := r.Stats(); s.Accepted != manyConns || s.Closed != manyConns {
		t.Fatalf("stats %+v, want %d accepted and closed", s, manyConns)
	}
}

func fdCount(t *testing.T) int {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skip("no /proc/self/fd:", err)
	}
	return len(ents)
}

func TestConnectCloseChurnLeaksNoDescriptors(t *testing.T) {
	h := &echo{}
	r, addr := start(t, reactor.Config{Loops: 2, LingerTimeout: -1}, h)
	before := fdCount(t)
	for i := range 2000 {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		switch i % 3 {
		case 0: // close at once
		case 1: // one exchange first
			c.Write([]byte("x"))
			io.ReadFull(c, make([]byte, 1))
		case 2: // abortive close with data in flight
			c.Write(bytes.Repeat([]byte("y"), 10000))
			c.(*net.TCPConn).SetLinger(0)
		}
		c.Close()
	}
	eventually(t, "server side closed", func() bool { return r.Stats().Closed == 2000 })
	if after := fdCount(t); after > before {
		t.Fatalf("%d descriptors before churn, %d after", before, after)
	}
	if s := r.Stats(); s.Open != 0 || s.Accepted != 2000 {
		t.Fatalf("stats %+v", s)
	}
}

func TestHalfClosedPeerGetsAllOfItsEchoThenEOF(t *testing.T) {
	_, addr := start(t, reactor.Config{}, &echo{})
	c := dial(t, addr)
	payload := bytes.Repeat([]byte("half-close "), 100000) // ~1 MiB
	go func() {
		c.Write(payload)
		c.CloseWrite()
	}()
	got, err := io.ReadAll(c)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, payload) {
		t.Fatalf("got %d bytes back, want %d", len(got), len(payload))
	}
}

// halfWriter keeps writing after the peer's FIN, to prove EOFHandler.
type halfWriter struct{ echo }

func (h *halfWriter) OnEOF(c *reactor.Conn) {
	c.Write([]byte("bye"))
	c.Close()
}

func TestEOFHandlerMayWriteAfterPeerFIN(t *testing.T) {
	_, addr := start(t, reactor.Config{}, &halfWriter{})
	c := dial(t, addr)
	c.Write([]byte("hi"))
	c.CloseWrite()
	got, err := io.ReadAll(c)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != "hibye" {
		t.Fatalf("got %q, want %q", got, "hibye")
	}
}

func TestPeerResetMidWriteClosesWithError(t *testing.T) {
	done := make(chan error, 1)
	h := &pusher{size: 32 << 20, done: done}
	_, addr := start(t, reactor.Config{}, h)
	c := dial(t, addr)
	if _, err := io.ReadFull(c, make([]byte, 1000)); err != nil {
		t.Fatal(err)
	}
	c.SetLinger(0)
	c.Close() // RST with most of the payload still queued on the server
	select {
	case err := <-done:
		if err == nil {
			t.Fatal("OnClose got nil after a reset mid-write")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("OnClose not called after reset")
	}
}

// pusher writes size bytes on open without reading anything.
type pusher struct {
	size int
	done chan error
	mu   sync.Mutex
	max  int // largest queue observed after a write
}

func (p *pusher) OnOpen(c *reactor.Conn) {
	chunk := bytes.Repeat([]byte{'p'}, 64<<10)
	for n := 0; n < p.size; n += len(chunk) {
		if _, err := c.Write(chunk); err != nil {
			return
		}
	}
}
func (p *pusher) OnData(c *reactor.Conn, data []byte) int { return len(data) }
func (p *pusher) OnClose(c *reactor.Conn, err error)      { p.done <- err }
