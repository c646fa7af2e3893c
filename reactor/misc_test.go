package reactor_test

import (
	"bytes"
	"errors"
	"io"
	"net"
	"testing"
	"time"

	"github.com/shio-rt/shio/reactor"
)

func TestNewRejectsNegativeConfig(t *testing.T) {
	for _, cfg := range []reactor.Config{
		{Loops: -1}, {ReadBufferSize: -1}, {WriteHighWater: -1}, {MaxPending: -1},
		{TimerTick: -time.Millisecond}, {Backlog: -1},
	} {
		if r, err := reactor.New(cfg, &echo{}); err == nil {
			r.Close()
			t.Errorf("New(%+v) accepted a negative field", cfg)
		}
	}
	// A negative timeout means off, not an error.
	r, err := reactor.New(reactor.Config{IdleTimeout: -1, LingerTimeout: -1}, &echo{})
	if err != nil {
		t.Errorf("New with negative timeouts: %v", err)
	} else {
		r.Close()
	}
	if _, err := reactor.New(reactor.Config{}, nil); err == nil {
		t.Error("New accepted a nil Handler")
	}
}

// sinkOrEcho swallows everything on connections whose first byte is 's'
// and echoes the others.
type sinkOrEcho struct{ echo }

func (s *sinkOrEcho) OnData(c *reactor.Conn, data []byte) int {
	if c.Attachment() == nil {
		c.Attach(data[0] == 's')
	}
	if c.Attachment().(bool) {
		// Work on each chunk (20µs), so that the sender always stays
		// ahead of the reader.
		for begin := time.Now(); time.Since(begin) < 20*time.Microsecond; {
		}
		return len(data)
	}
	c.Write(data)
	return len(data)
}

func TestOneFloodingSenderDoesNotStarveTheLoop(t *testing.T) {
	// A tiny scratch buffer makes every read of the flooding connection a
	// full one, so only the per-pass read bound lets the loop move on.
	_, addr := start(t, reactor.Config{Loops: 1, ReadBufferSize: 256}, &sinkOrEcho{})
	flood := dial(t, addr)
	stop := make(chan struct{})
	flooded := make(chan struct{})
	go func() {
		defer close(flooded)
		chunk := append([]byte{'s'}, bytes.Repeat([]byte{'f'}, 1<<16)...)
		for {
			select {
			case <-stop:
				return
			default:
			}
			if _, err := flood.Write(chunk); err != nil {
				return
			}
		}
	}()
	defer func() { close(stop); flood.Close(); <-flooded }()
	other := dial(t, addr)
	other.SetDeadline(time.Now().Add(10 * time.Second))
	for range 20 {
		other.Write([]byte("e?"))
		if _, err := io.ReadFull(other, make([]byte, 2)); err != nil {
			t.Fatalf("second connection starved: %v", err)
		}
	}
}

func TestConnCloseWriteSendsFINAndKeepsReading(t *testing.T) {
	got := make(chan []byte, 4)
	h := &halfCloser{got: got}
	_, addr := start(t, reactor.Config{}, h)
	c := dial(t, addr)
	// The server answers "ok" and shuts its write side at once.
	b, err := io.ReadAll(c)
	if err != nil || string(b) != "ok" {
		t.Fatalf("read %q, %v; want ok then EOF", b, err)
	}
	c.Write([]byte("still reading?"))
	select {
	case d := <-got:
		if string(d) != "still reading?" {
			t.Fatalf("server read %q", d)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("server stopped reading after CloseWrite")
	}
	if _, err := h.conn.Write([]byte("x")); !errors.Is(err, reactor.ErrClosed) {
		t.Fatalf("Write after CloseWrite = %v, want ErrClosed", err)
	}
}

type halfCloser struct {
	echo
	got  chan []byte
	conn *reactor.Conn
}

func (h *halfCloser) OnOpen(c *reactor.Conn) {
	h.conn = c
	c.Write([]byte("ok"))
	c.CloseWrite()
}

func (h *halfCloser) OnData(c *reactor.Conn, data []byte) int {
	h.got <- append([]byte(nil), data...)
	return len(data)
}

func TestListenerCloseStopsAcceptingAndKeepsConnections(t *testing.T) {
	r, err := reactor.New(reactor.Config{Loops: 2, ReusePort: true}, &echo{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	ln, err := r.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	c := dial(t, ln.Addr().String())
	eventually(t, "accepted", func() bool { return r.Stats().Open == 1 })
	if err := ln.Close(); err != nil {
		t.Fatal(err)
	}
	if x, err := net.DialTimeout("tcp", ln.Addr().String(), time.Second); err == nil {
		x.Close()
		t.Fatal("still accepting after Listener.Close")
	}
	c.Write([]byte("alive"))
	b := make([]byte, 5)
	if _, err := io.ReadFull(c, b); err != nil || string(b) != "alive" {
		t.Fatalf("connection broken by Listener.Close: %q %v", b, err)
	}
	// Counters are added just after the system calls they count.
	eventually(t, "counters", func() bool {
		s := r.Stats()
		return s.BytesRead == 5 && s.BytesWritten == 5 && s.Accepted == 1 &&
			(s.Busy > 0 || portable) // Busy is Linux's loops' time: zero on the portable reactor
	})
}
