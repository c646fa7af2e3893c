package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/shio-rt/shio/reactor"
)

const echoSynopsis = `usage: shio echo [flags]

A TCP echo server on shio's reactor: every byte a client sends comes back;
an idle connection holds no goroutine and no buffer. Try it with
nc 127.0.0.1 7000, or load it with shio bench tcp://127.0.0.1:7000 --echo.
With --ws it is a WebSocket echo server instead, on any path of an HTTP/1.1
server on the same reactor: text comes back as text, binary as binary, up to
64 MiB a message; permessage-deflate is accepted with any offer's parameters
(compressed echoes from 256 bytes); any Origin is accepted (it is a test
server), and a shutdown says 1001 to every client.
Ctrl-C shuts it down gracefully, for up to 10s.`

// runEcho is `shio echo`: a TCP echo server on the reactor. Each
// connection gets back every byte it sends; an idle connection costs no
// goroutine and no buffer. Ctrl-C (ctx ending) shuts it down gracefully:
// bytes already read are echoed and connections closed, for up to ten
// seconds.
func runEcho(ctx context.Context, args []string, _ io.Writer) error {
	fs := newFlagSet("echo", echoSynopsis)
	addr := fs.String("addr", "127.0.0.1:7000", "address to listen on")
	loops := fs.Int("loops", 0, "event loops (0: GOMAXPROCS)")
	idle := fs.Duration("idle", 0, "close connections idle this long (0: never)")
	reusePort := fs.Bool("reuseport", false, "one SO_REUSEPORT listener per loop instead of one shared listener")
	wsMode := fs.Bool("ws", false, "a WebSocket echo server (any path) instead of TCP")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageErr(fs, fmt.Errorf("unexpected argument %q", fs.Arg(0)))
	}
	if *wsMode {
		return runEchoWS(ctx, *addr, *idle)
	}
	if *idle == 0 {
		*idle = -1 // never (reactor.Config: negative means off)
	}
	r, err := reactor.New(reactor.Config{Loops: *loops, IdleTimeout: *idle, ReusePort: *reusePort}, echoHandler{})
	if err != nil {
		return err
	}
	bound, err := r.Listen("tcp", *addr)
	if err != nil {
		r.Close()
		return err
	}
	fmt.Fprintf(os.Stderr, "shio echo: listening on %s (pid %d, Ctrl-C to stop)\n", bound.Addr(), os.Getpid())
	<-ctx.Done()
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err = r.Shutdown(sctx)
	s := r.Stats()
	fmt.Fprintf(os.Stderr, "shio echo: %d connections, %d bytes echoed, loops busy %v\n",
		s.Accepted, s.BytesWritten, s.Busy.Round(time.Millisecond))
	return err
}

// echoHandler writes back whatever it reads. Writes made in OnData are
// coalesced and flushed when it returns.
type echoHandler struct{}

func (echoHandler) OnOpen(*reactor.Conn)         {}
func (echoHandler) OnClose(*reactor.Conn, error) {}
func (echoHandler) OnData(c *reactor.Conn, data []byte) int {
	c.Write(data)
	return len(data)
}
