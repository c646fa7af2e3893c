package reactor_test

import (
	"bytes"
	"sync/atomic"
	"testing"
	"time"

	"github.com/shio-rt/shio/reactor"
)

// oneAtATime takes one line per OnData, pausing reading while a goroutine
// "handles" it and resumes at once: the shape of ws's HandlerTasks.
type oneAtATime struct {
	lines  atomic.Int64
	closed chan error
}

func (h *oneAtATime) OnOpen(*reactor.Conn) {}
func (h *oneAtATime) OnData(c *reactor.Conn, data []byte) int {
	i := bytes.IndexByte(data, '\n')
	if i < 0 {
		return 0
	}
	c.PauseRead()
	go func() {
		h.lines.Add(1)
		c.ResumeRead()
	}()
	return i + 1
}
func (h *oneAtATime) OnClose(_ *reactor.Conn, err error) { h.closed <- err }

// TestResumeFromAnotherGoroutineKeepsPendingBounded: a handler that pauses
// in OnData and is resumed by another goroutine while the loop is still in
// its read loop must get its kept input presented again before the loop
// reads more; reading on appended a full read to the kept input each time,
// of which the handler took one line, until it passed MaxPending.
func TestResumeFromAnotherGoroutineKeepsPendingBounded(t *testing.T) {
	h := &oneAtATime{closed: make(chan error, 1)}
	_, addr := start(t, reactor.Config{ReadBufferSize: 16 << 10, MaxPending: 64 << 10}, h)
	c := dial(t, addr)
	const lines = 40000
	line := append(bytes.Repeat([]byte("x"), 99), '\n')
	go func() {
		buf := bytes.Repeat(line, 1000)
		for range lines / 1000 {
			if _, err := c.Write(buf); err != nil {
				return
			}
		}
	}()
	deadline := time.Now().Add(60 * time.Second)
	for h.lines.Load() < lines {
		select {
		case err := <-h.closed:
			t.Fatalf("closed after %d of %d lines: %v", h.lines.Load(), lines, err)
		case <-time.After(10 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d lines after 60 s", h.lines.Load(), lines)
		}
	}
}
