package ws_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/shio-rt/shio/broadcast"
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

// joiner makes every connection a member of a Hub.
type joiner struct{ hub *ws.Hub }

func (j joiner) OnOpen(c *ws.Conn)                        { j.hub.Join(c) }
func (joiner) OnMessage(*ws.Conn, ws.MessageType, []byte) {}
func (j joiner) OnClose(c *ws.Conn, err error)            { j.hub.Leave(c) }

// A Hub sends what is sent on a broadcast channel to every connection
// that joined it, each message encoded once.
func ExampleHub() {
	tx, rx := broadcast.New[*ws.PreparedMessage](16)
	hub := ws.NewHub(rx, ws.HubConfig{OnLag: func(c *ws.Conn, missed uint64) {
		c.TryWriteMessage(ws.TextMessage, fmt.Appendf(nil, "you missed %d", missed))
	}})
	defer hub.Close()
	var up ws.Upgrader
	srv := &http1.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		up.Accept(w, r, joiner{hub})
	})}
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	go srv.Serve(ln)
	defer srv.Close()

	ctx := context.Background()
	var clients []*ws.Conn
	for range 3 {
		c, _, err := ws.Dial(ctx, "ws://"+ln.Addr().String()+"/", nil)
		if err != nil {
			fmt.Println(err)
			return
		}
		defer func() { c.Close(ws.StatusNormal, ""); c.Wait(ctx) }()
		clients = append(clients, c)
	}
	for hub.Len() < len(clients) {
		time.Sleep(time.Millisecond) // the members join as their connections open
	}
	m, _ := ws.NewPreparedMessage(ws.TextMessage, []byte("tick 1"))
	tx.Send(m)
	for i, c := range clients {
		_, msg, _ := c.ReadMessage(ctx)
		fmt.Println(i, string(msg))
	}
	// Output:
	// 0 tick 1
	// 1 tick 1
	// 2 tick 1
}

// A message streamed as it is produced: NextWriter sends 16 KiB
// fragments as they fill, and NextReader reads one as it arrives, so
// neither side holds the whole message.
func ExampleConn_NextWriter() {
	var up ws.Upgrader
	srv := &http1.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := up.Upgrade(w, r)
		if err != nil {
			return
		}
		go func() {
			ctx := context.Background()
			mw, err := c.NextWriter(ctx, ws.BinaryMessage)
			if err != nil {
				return
			}
			for i := range 1000 { // 1 MB, produced line by line
				fmt.Fprintf(mw, "%0999d\n", i)
			}
			mw.Close()
		}()
	})}
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	go srv.Serve(ln)
	defer srv.Close()

	ctx := context.Background()
	c, _, err := ws.Dial(ctx, "ws://"+ln.Addr().String()+"/", nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer func() { c.Close(ws.StatusNormal, ""); c.Wait(ctx) }()
	typ, r, _ := c.NextReader(ctx)
	n, err := io.Copy(io.Discard, r)
	fmt.Println(typ, n, err)
	// Output:
	// binary 1000000 <nil>
}
