package reactor_test

import (
	"errors"
	"io"
	"os"
	"testing"
	"time"

	"github.com/shio-rt/shio/reactor"
)

func waitClose(t *testing.T, done chan error) error {
	t.Helper()
	select {
	case err := <-done:
		return err
	case <-time.After(10 * time.Second):
		t.Fatal("OnClose not called")
		return nil
	}
}

func TestIdleConnectionIsClosedAfterIdleTimeout(t *testing.T) {
	done := make(chan error, 1)
	_, addr := start(t, reactor.Config{IdleTimeout: 50 * time.Millisecond, TimerTick: time.Millisecond}, &echo{done: done})
	begin := time.Now() // before the server can have accepted
	c := dial(t, addr)
	err := waitClose(t, done)
	if !errors.Is(err, reactor.ErrIdleTimeout) || !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("OnClose error %v, want ErrIdleTimeout", err)
	}
	if el := time.Since(begin); el < 50*time.Millisecond {
		t.Fatalf("closed after %v, before the idle timeout", el)
	}
	if _, err := c.Read(make([]byte, 1)); err != io.EOF {
		t.Fatalf("client read %v, want EOF", err)
	}
}

func TestActivityPostponesIdleTimeout(t *testing.T) {
	done := make(chan error, 1)
	const idle = 500 * time.Millisecond // wide: a loaded machine stalls for tens of ms
	_, addr := start(t, reactor.Config{IdleTimeout: idle, TimerTick: time.Millisecond}, &echo{done: done})
	c := dial(t, addr)
	begin := time.Now()
	// Keep talking for three idle periods.
	for time.Since(begin) < 3*idle {
		c.Write([]byte("k"))
		if _, err := io.ReadFull(c, make([]byte, 1)); err != nil {
			t.Fatalf("connection died while active after %v: %v", time.Since(begin), err)
		}
		select {
		case err := <-done:
			t.Fatalf("closed while active: %v", err)
		case <-time.After(idle / 20):
		}
	}
	if err := waitClose(t, done); !errors.Is(err, reactor.ErrIdleTimeout) {
		t.Fatalf("OnClose error %v", err)
	}
}

// deadliner sets a read deadline on open and clears it on the first byte.
type deadliner struct {
	echo
	in time.Duration
}

func (d *deadliner) OnOpen(c *reactor.Conn) { c.SetReadDeadline(time.Now().Add(d.in)) }
func (d *deadliner) OnData(c *reactor.Conn, data []byte) int {
	c.SetReadDeadline(time.Time{})
	return d.echo.OnData(c, data)
}

func TestReadDeadlineClosesSilentPeerAndClearingItKeepsTheConnection(t *testing.T) {
	done := make(chan error, 2)
	_, addr := start(t, reactor.Config{TimerTick: time.Millisecond}, &deadliner{echo: echo{done: done}, in: 300 * time.Millisecond})
	silent := dial(t, addr)
	talker := dial(t, addr)
	talker.Write([]byte("x"))
	if err := waitClose(t, done); !errors.Is(err, reactor.ErrReadTimeout) {
		t.Fatalf("OnClose error %v, want ErrReadTimeout", err)
	}
	if _, err := silent.Read(make([]byte, 1)); err != io.EOF {
		t.Fatalf("silent peer read %v, want EOF", err)
	}
	// The talker cleared its deadline; it still echoes.
	talker.Write([]byte("y"))
	got := make([]byte, 2)
	if _, err := io.ReadFull(talker, got); err != nil || string(got) != "xy" {
		t.Fatalf("talker got %q, %v", got, err)
	}
}

// stuckWriter queues a large payload under a write deadline.
type stuckWriter struct{ pusher }

func (s *stuckWriter) OnOpen(c *reactor.Conn) {
	c.SetWriteDeadline(time.Now().Add(50 * time.Millisecond))
	s.pusher.OnOpen(c)
}

func TestWriteDeadlineClosesPeerThatDoesNotRead(t *testing.T) {
	done := make(chan error, 1)
	_, addr := start(t, reactor.Config{TimerTick: time.Millisecond}, &stuckWriter{pusher{size: 8 << 20, done: done}})
	dial(t, addr) // never reads
	if err := waitClose(t, done); !errors.Is(err, reactor.ErrWriteTimeout) {
		t.Fatalf("OnClose error %v, want ErrWriteTimeout", err)
	}
}

func TestWriteDeadlineWithEmptyQueueIsHarmless(t *testing.T) {
	done := make(chan error, 1)
	h := &stuckWriter{pusher{size: 10, done: done}} // fits in the socket at once
	_, addr := start(t, reactor.Config{TimerTick: time.Millisecond}, h)
	c := dial(t, addr)
	if _, err := io.ReadFull(c, make([]byte, 10)); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		t.Fatalf("closed with %v although nothing was queued", err)
	case <-time.After(150 * time.Millisecond):
	}
}

// extender keeps the connection at its first read timeout, with a new
// deadline, and lets the second one close it.
type extender struct {
	echo
	in    time.Duration
	n     int // calls so far; the loop is the only caller
	calls chan time.Time
}

func (e *extender) OnOpen(c *reactor.Conn) { c.SetReadDeadline(time.Now().Add(e.in)) }
func (e *extender) OnReadTimeout(c *reactor.Conn) bool {
	e.calls <- time.Now()
	e.n++
	if e.n == 1 {
		c.SetReadDeadline(time.Now().Add(e.in))
		return true
	}
	return false
}

func TestReadTimeoutHandlerMayKeepTheConnection(t *testing.T) {
	done := make(chan error, 1)
	const in = 50 * time.Millisecond
	e := &extender{echo: echo{done: done}, in: in, calls: make(chan time.Time, 2)}
	_, addr := start(t, reactor.Config{TimerTick: time.Millisecond}, e)
	begin := time.Now()
	c := dial(t, addr)
	first := <-e.calls
	// Kept: the connection still echoes after its first deadline passed.
	if _, err := c.Write([]byte("k")); err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadFull(c, make([]byte, 1)); err != nil {
		t.Fatalf("connection closed at the first read timeout: %v", err)
	}
	err := waitClose(t, done)
	second := <-e.calls
	if !errors.Is(err, reactor.ErrReadTimeout) {
		t.Fatalf("OnClose error %v, want ErrReadTimeout after the second timeout", err)
	}
	if first.Sub(begin) < in || second.Sub(first) < in {
		t.Fatalf("timeouts at %v and %v after the start, want at least %v apart", first.Sub(begin), second.Sub(begin), in)
	}
}

// deadlineOnOpen sets a short write deadline in OnOpen and then echoes.
type deadlineOnOpen struct{ echo }

func (d *deadlineOnOpen) OnOpen(c *reactor.Conn) {
	c.SetWriteDeadline(time.Now().Add(20 * time.Millisecond))
}

// A write deadline that passes while nothing is being written is cleared:
// a later Write is not failed by it (the portable Write once was, by the
// deadline left armed on its socket).
func TestWriteDeadlinePassedIdleIsCleared(t *testing.T) {
	_, addr := start(t, reactor.Config{TimerTick: time.Millisecond}, &deadlineOnOpen{})
	c := dial(t, addr)
	time.Sleep(200 * time.Millisecond) // not synchronisation: the deadline must pass while idle
	if _, err := c.Write([]byte("late")); err != nil {
		t.Fatal(err)
	}
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	got := make([]byte, 4)
	if _, err := io.ReadFull(c, got); err != nil || string(got) != "late" {
		t.Fatalf("echo after an idle write deadline passed: %q, %v", got, err)
	}
}
