package main

import (
	"bytes"
	"net/http"
	"os"
	"os/signal"
	"syscall"

	"github.com/lesismal/nbio/nbhttp"
	"github.com/panjf2000/gnet/v2"
	"github.com/panjf2000/gnet/v2/pkg/logging"
)

// helloResponse is the whole response the bare gnet responder writes for
// every request: the same status, headers and body a net/http Handler
// writing helloBody produces, less the Date header.
var helloResponse = []byte("HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 13\r\n\r\nHello, World!")

var headerEnd = []byte("\r\n\r\n")

// gnetHello is a bare HTTP responder on gnet/v2, not a full server: it
// counts complete request heads (bodyless requests only: GET, as wrk and
// the idle client send) and answers each with helloResponse, leaving an
// incomplete head buffered in gnet until the rest arrives. It is the
// "gnet bare responder" of the http1 issue's table.
type gnetHello struct {
	gnet.BuiltinEventEngine
}

func (*gnetHello) OnTraffic(c gnet.Conn) gnet.Action {
	buf, _ := c.Peek(-1)
	used, n := 0, 0
	for {
		i := bytes.Index(buf[used:], headerEnd)
		if i < 0 {
			break
		}
		used += i + len(headerEnd)
		n++
	}
	if n == 0 {
		return gnet.None
	}
	c.Discard(used)
	out := make([]byte, 0, n*len(helloResponse))
	for range n {
		out = append(out, helloResponse...)
	}
	c.Write(out)
	return gnet.None
}

// serveGnet runs the gnet responder with one event loop until it fails.
func serveGnet(addr string) error {
	return gnet.Run(&gnetHello{}, "tcp://"+addr, gnet.WithMulticore(false), gnet.WithLogLevel(logging.ErrorLevel))
}

// serveNbio runs nbio's nbhttp with the standard http.Handler until
// SIGINT or SIGTERM.
func serveNbio(addr string, h http.Handler) error {
	e := nbhttp.NewEngine(nbhttp.Config{Network: "tcp", Addrs: []string{addr}, Handler: h, NPoller: 1})
	if err := e.Start(); err != nil {
		return err
	}
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	<-sig
	e.Stop()
	return nil
}
