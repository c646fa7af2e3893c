package ws_test

import (
	"context"
	"sync"
	"testing"

	"github.com/shio-rt/shio/ws"
)

// blocker is a Handler whose OnMessage blocks (HandlerTasks) and writes
// with WriteMessage, and that records whether OnClose overlapped it.
type blocker struct {
	release chan struct{}
	mu      sync.Mutex
	running bool
	overlap bool
	closed  chan struct{}
}

func (b *blocker) OnOpen(*ws.Conn) {}
func (b *blocker) OnMessage(c *ws.Conn, typ ws.MessageType, p []byte) {
	b.mu.Lock()
	b.running = true
	b.mu.Unlock()
	<-b.release
	c.WriteMessage(context.Background(), typ, append([]byte("re:"), p...))
	b.mu.Lock()
	b.running = false
	b.mu.Unlock()
}
func (b *blocker) OnClose(*ws.Conn, error) {
	b.mu.Lock()
	b.overlap = b.running
	b.mu.Unlock()
	close(b.closed)
}

// TestHandlerTasks: with HandlerTasks, OnMessage may block; messages are
// handled one at a time, in order, and OnClose waits for the last one.
func TestHandlerTasks(t *testing.T) {
	b := &blocker{release: make(chan struct{}), closed: make(chan struct{})}
	up := ws.Upgrader{Config: ws.Config{HandlerTasks: true}}
	addr := serveWS(t, &up, b)
	c := dialRaw(t, addr)
	c.send(cat(text("1"), text("2"), text("3"), frame(0x89, []byte("p"), false)))
	for _, want := range []string{"re:1", "re:2", "re:3"} {
		b.release <- struct{}{}
		c.expect(1, want)
	}
	c.expect(10, "p") // read after the messages before it were handled
	c.send(text("4"))
	c.nc.Close() // the peer goes while OnMessage("4") runs
	b.release <- struct{}{}
	<-b.closed
	if b.overlap {
		t.Fatal("OnClose ran while OnMessage was running")
	}
}
