package ws_test

import (
	"context"
	"fmt"
	"net"
	"net/http"

	"github.com/shio-rt/shio/http1"
	"github.com/shio-rt/shio/ws"
)

// shout answers every text message in capitals, from the reactor loop.
type shout struct{}

func (shout) OnOpen(c *ws.Conn) {}
func (shout) OnMessage(c *ws.Conn, typ ws.MessageType, p []byte) {
	out := make([]byte, len(p))
	for i, b := range p {
		if 'a' <= b && b <= 'z' {
			b -= 'a' - 'A'
		}
		out[i] = b
	}
	c.TryWriteMessage(typ, out)
}
func (shout) OnClose(c *ws.Conn, err error) {}

// An http1.Server whose /shout path upgrades to WebSocket: the request's
// connection becomes a WebSocket connection on its reactor loop, and the
// http.Handler returns at once. A client dials it and reads the answer.
func ExampleUpgrader() {
	var up ws.Upgrader
	mux := http.NewServeMux()
	mux.HandleFunc("/shout", func(w http.ResponseWriter, r *http.Request) {
		up.Accept(w, r, shout{})
	})
	srv := &http1.Server{Handler: mux}
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	go srv.Serve(ln)
	defer srv.Close()

	ctx := context.Background()
	c, _, err := ws.Dial(ctx, "ws://"+ln.Addr().String()+"/shout", nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	c.WriteMessage(ctx, ws.TextMessage, []byte("hello, loop"))
	typ, msg, _ := c.ReadMessage(ctx)
	fmt.Println(typ, string(msg))
	c.Close(ws.StatusNormal, "")
	_, _, err = c.ReadMessage(ctx)
	fmt.Println(err)
	// Output:
	// text HELLO, LOOP
	// ws: closed with 1000 by the peer
}
