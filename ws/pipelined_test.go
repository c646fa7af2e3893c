package ws_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/shio-rt/shio/ws"
)

// taskEcho echoes from a task (Config.HandlerTasks), with WriteMessage,
// which waits for room.
type taskEcho struct{ closed chan error }

func (taskEcho) OnOpen(*ws.Conn) {}
func (taskEcho) OnMessage(c *ws.Conn, typ ws.MessageType, p []byte) {
	c.WriteMessage(context.Background(), typ, p)
}
func (e taskEcho) OnClose(_ *ws.Conn, err error) { e.closed <- err }

// TestPipelinedEchoNeitherSideStalls sends many large messages from one
// goroutine while another reads their echoes, far more than the sockets
// buffer. A client whose blocked write held the lock its reader needs to
// take the next message stalled both ways until PongTimeout; a server whose
// task resumed reading while the loop was still reading let its kept input
// grow past MaxPending.
func TestPipelinedEchoNeitherSideStalls(t *testing.T) {
	h := taskEcho{closed: make(chan error, 1)}
	addr := serveWS(t, &ws.Upgrader{Config: ws.Config{HandlerTasks: true}}, h)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	c, _, err := ws.Dial(ctx, "ws://"+addr+"/", nil)
	if err != nil {
		t.Fatal(err)
	}
	const n = 300 // 300 × 48 KiB, about 14 MB each way
	msg := func(i int) []byte { return bytes.Repeat([]byte{byte(i)}, 48<<10+i) }
	sent := make(chan error, 1)
	go func() {
		for i := range n {
			if err := c.WriteMessage(ctx, ws.BinaryMessage, msg(i)); err != nil {
				sent <- fmt.Errorf("write %d: %w", i, err)
				return
			}
		}
		sent <- nil
	}()
	for i := range n {
		_, p, err := c.ReadMessage(ctx)
		if err != nil {
			cancel()
			t.Fatalf("echo %d: %v (writer: %v)", i, err, <-sent)
		}
		if !bytes.Equal(p, msg(i)) {
			t.Fatalf("echo %d: %d bytes, want %d", i, len(p), len(msg(i)))
		}
	}
	if err := <-sent; err != nil {
		t.Fatal(err)
	}
	c.Close(ws.StatusNormal, "")
	if _, _, err := c.ReadMessage(ctx); err == nil {
		t.Fatal("ReadMessage after Close returned a message")
	}
	var ce *ws.CloseError
	if err := <-h.closed; !errors.As(err, &ce) || ce.Code != ws.StatusNormal {
		t.Fatalf("server side closed with %v", err)
	}
}
