package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/shio-rt/shio/http1"
	"github.com/shio-rt/shio/ws"
)

// runEchoWS is `shio echo --ws`: an http1.Server on the reactor whose
// every path upgrades to a WebSocket that echoes each message with its
// type. The limits are raised for conformance runs (Autobahn sends up to
// 16 MiB messages) and permessage-deflate is accepted (its families 12
// and 13 offer it with every parameter; a declined offer counts against
// a server there); idle, if positive, closes connections with 1001 after
// that long without a message.
func runEchoWS(ctx context.Context, addr string, idle time.Duration) error {
	up := &ws.Upgrader{
		Config: ws.Config{
			MaxFrameSize:   64 << 20,
			MaxMessageSize: 64 << 20,
			MaxOutbound:    64 << 20,
			IdleTimeout:    idle,
			Compression:    true,
		},
		CheckOrigin: func(*http.Request) bool { return true },
	}
	s := &http1.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		up.Accept(w, r, wsEcho{})
	})}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	done := make(chan error, 1)
	go func() { done <- s.Serve(ln) }()
	fmt.Fprintf(os.Stderr, "shio echo --ws: listening on ws://%s/ (pid %d, Ctrl-C to stop)\n", ln.Addr(), os.Getpid())
	select {
	case <-ctx.Done():
	case err := <-done:
		return err
	}
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err = s.Shutdown(sctx)
	if serr := <-done; !errors.Is(serr, http.ErrServerClosed) && err == nil {
		err = serr
	}
	st := s.Stats()
	fmt.Fprintf(os.Stderr, "shio echo --ws: %d connections, %d upgraded\n", st.Accepted, st.Hijacked)
	return err
}

// wsEcho sends every message back as it came, from the loop.
type wsEcho struct{}

func (wsEcho) OnOpen(*ws.Conn)         {}
func (wsEcho) OnClose(*ws.Conn, error) {}
func (wsEcho) OnMessage(c *ws.Conn, typ ws.MessageType, p []byte) {
	c.TryWriteMessage(typ, p)
}
