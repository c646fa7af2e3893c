package ws_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/shio-rt/shio/ws"
)

// collector keeps the server side's connections.
type collector struct{ conns chan *ws.Conn }

func (h collector) OnOpen(c *ws.Conn)                        { h.conns <- c }
func (collector) OnMessage(*ws.Conn, ws.MessageType, []byte) {}
func (collector) OnClose(*ws.Conn, error)                    {}

// TestPreparedBroadcast: one prepared message, small and fragmented,
// reaches every client intact.
func TestPreparedBroadcast(t *testing.T) {
	h := collector{make(chan *ws.Conn, 8)}
	var up ws.Upgrader
	addr := serveWS(t, &up, h)
	var clients []*rawClient
	var servers []*ws.Conn
	for range 4 {
		clients = append(clients, dialRaw(t, addr))
		servers = append(servers, <-h.conns)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, n := range []int{5, 200000} {
		p := bytes.Repeat([]byte("s"), n)
		m, err := ws.NewPreparedMessage(ws.TextMessage, p)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range servers {
			if err := c.WritePreparedMessage(ctx, m); err != nil {
				t.Fatal(err)
			}
		}
		for _, cl := range clients {
			cl.expect(1, string(p))
		}
	}
}
