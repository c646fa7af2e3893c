// Package http compares shio's http1 server with net/http and fasthttp,
// side by side in one run, on a loopback client harness in the same
// process. See README.md for running wrk against pinned servers instead.
package http_test

import (
	"bytes"
	"errors"
	"net"
	"net/http"
	"runtime"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/shio-rt/shio/http1"
	"github.com/valyala/fasthttp"
)

var helloBody = []byte("Hello, World!")

func hello(w http.ResponseWriter, r *http.Request) { w.Write(helloBody) }

// server is one peer under test: start serves on ln, stop ends it.
type server struct {
	name  string
	start func(ln net.Listener) (stop func())
}

// fallbackListener hides *net.TCPListener so http1 takes its
// goroutine-per-connection path.
type fallbackListener struct{ net.Listener }

var servers = []server{
	{"shio-reactor", func(ln net.Listener) func() {
		s := &http1.Server{Handler: http.HandlerFunc(hello)}
		done := make(chan struct{})
		go func() { s.Serve(ln); close(done) }()
		return func() { s.Close(); <-done }
	}},
	{"shio-fallback", func(ln net.Listener) func() {
		s := &http1.Server{Handler: http.HandlerFunc(hello)}
		done := make(chan struct{})
		go func() { s.Serve(fallbackListener{ln}); close(done) }()
		return func() { s.Close(); <-done }
	}},
	{"net-http", func(ln net.Listener) func() {
		s := &http.Server{Handler: http.HandlerFunc(hello)}
		done := make(chan struct{})
		go func() { s.Serve(ln); close(done) }()
		return func() { s.Close(); <-done }
	}},
	{"fasthttp", func(ln net.Listener) func() {
		s := &fasthttp.Server{Handler: func(ctx *fasthttp.RequestCtx) { ctx.Write(helloBody) }}
		done := make(chan struct{})
		go func() { s.Serve(ln); close(done) }()
		return func() { s.Shutdown(); <-done }
	}},
}

func listen(tb testing.TB) net.Listener {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	return ln
}

// client is one keep-alive connection that sends GET / and reads the
// responses, framed by Content-Length.
type client struct {
	conn net.Conn
	req  []byte
	buf  []byte
	r, w int
}

func newClient(tb testing.TB, addr string, pipeline int) *client {
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		tb.Fatal(err)
	}
	req := bytes.Repeat([]byte("GET / HTTP/1.1\r\nHost: bench\r\n\r\n"), pipeline)
	return &client{conn: conn, req: req, buf: make([]byte, 64<<10)}
}

// roundTrip sends the (possibly pipelined) requests and reads as many
// responses.
func (c *client) roundTrip() error {
	if _, err := c.conn.Write(c.req); err != nil {
		return err
	}
	for n := len(c.req) / len("GET / HTTP/1.1\r\nHost: bench\r\n\r\n"); n > 0; n-- {
		if err := c.readResponse(); err != nil {
			return err
		}
	}
	return nil
}

var (
	crlf2 = []byte("\r\n\r\n")
	clKey = []byte("\r\ncontent-length:")
)

func (c *client) readResponse() error {
	for {
		if end := bytes.Index(c.buf[c.r:c.w], crlf2); end >= 0 {
			head := c.buf[c.r : c.r+end+2]
			i := indexFold(head, clKey)
			if i < 0 {
				return errors.New("response without Content-Length")
			}
			v := head[i+len(clKey):]
			v = v[:bytes.IndexByte(v, '\r')]
			n, err := strconv.Atoi(string(bytes.TrimSpace(v)))
			if err != nil {
				return err
			}
			if total := end + 4 + n; c.w-c.r >= total {
				c.r += total
				if c.r == c.w {
					c.r, c.w = 0, 0
				}
				return nil
			}
		}
		if c.w == len(c.buf) {
			c.w = copy(c.buf, c.buf[c.r:c.w])
			c.r = 0
		}
		m, err := c.conn.Read(c.buf[c.w:])
		c.w += m
		if err != nil {
			return err
		}
	}
}

func indexFold(s, lowerSep []byte) int {
	for i := 0; i+len(lowerSep) <= len(s); i++ {
		match := true
		for j, b := range lowerSep {
			c := s[i+j]
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			if c != b {
				match = false
				break
			}
		}
		if match {
			return i
		}
	}
	return -1
}

// BenchmarkHello is one connection, one request at a time: latency.
func BenchmarkHello(b *testing.B) {
	for _, s := range servers {
		b.Run(s.name, func(b *testing.B) {
			ln := listen(b)
			defer s.start(ln)()
			c := newClient(b, ln.Addr().String(), 1)
			defer c.conn.Close()
			b.ReportAllocs()
			for b.Loop() {
				if err := c.roundTrip(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkHelloPipelined16 sends 16 pipelined requests per round trip;
// one op is one request.
func BenchmarkHelloPipelined16(b *testing.B) {
	for _, s := range servers {
		b.Run(s.name, func(b *testing.B) {
			ln := listen(b)
			defer s.start(ln)()
			c := newClient(b, ln.Addr().String(), 16)
			defer c.conn.Close()
			b.ReportAllocs()
			n := 0
			for b.Loop() {
				if n%16 == 0 {
					if err := c.roundTrip(); err != nil {
						b.Fatal(err)
					}
				}
				n++
			}
		})
	}
}

// BenchmarkHelloConns64 runs 64 keep-alive connections at once (b.RunParallel
// with 64 goroutines per GOMAXPROCS... divided to give 64 in total); one op
// is one request.
func BenchmarkHelloConns64(b *testing.B) {
	for _, s := range servers {
		b.Run(s.name, func(b *testing.B) {
			ln := listen(b)
			defer s.start(ln)()
			addr := ln.Addr().String()
			b.SetParallelism(max(1, 64/runtime.GOMAXPROCS(0)))
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				c := newClient(b, addr, 1)
				defer c.conn.Close()
				for pb.Next() {
					if err := c.roundTrip(); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}

// heapAndStacks is the memory that idle connections can hold.
func heapAndStacks() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse + m.StackInuse
}

// holdListener accepts and holds connections without serving them: the
// baseline that subtracts the harness's own (client-side and accept) cost.
func holdListener(ln net.Listener) func() {
	var mu sync.Mutex
	var conns []net.Conn
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	return func() {
		ln.Close()
		<-done
		for _, c := range conns {
			c.Close()
		}
	}
}

// BenchmarkIdleConnMemory opens 2,000 keep-alive connections, answers one
// request on each, and reports the memory each idle connection adds
// ("B/idle-conn": heap in use plus goroutine stacks) beyond what the same
// connections cost with a listener that only accepts and holds them (the
// client side and a bare *net.TCPConn on the server side). It is a relative
// figure; bench/http/idleclient measures absolute server RSS. The op count is
// meaningless; run it with -benchtime=1x.
func BenchmarkIdleConnMemory(b *testing.B) {
	const n = 2000
	measure := func(b *testing.B, start func(net.Listener) func(), request bool) float64 {
		ln := listen(b)
		stop := start(ln)
		defer stop()
		addr := ln.Addr().String()
		before := heapAndStacks()
		cs := make([]*client, 0, n)
		defer func() {
			for _, c := range cs {
				c.conn.Close()
			}
		}()
		for range n {
			c := newClient(b, addr, 1)
			c.buf = make([]byte, 256) // keep the harness's own share small
			cs = append(cs, c)
			if request {
				if err := c.roundTrip(); err != nil {
					b.Fatal(err)
				}
			}
		}
		time.Sleep(200 * time.Millisecond) // let request goroutines finish; a measurement, not a synchronisation
		return float64(heapAndStacks()-before) / n
	}
	for _, s := range servers {
		b.Run(s.name, func(b *testing.B) {
			for b.Loop() {
				base := measure(b, holdListener, false)
				got := measure(b, s.start, true)
				b.ReportMetric(got-base, "B/idle-conn")
			}
		})
	}
}
