// Command server is a WebSocket echo server built on one of the compared
// libraries, for `shio bench ws://` (see ../README.md): every message comes
// back with its type. With -control it also serves a broadcast benchmark.
//
//	go run ./ws/server -impl shio -addr 127.0.0.1:8080
//	go run ./ws/server -impl gorilla -addr 127.0.0.1:8080 -control 127.0.0.1:8081
//
// Each -impl is written the way its documentation's echo example is:
//
//   - shio: ws.Upgrader.Accept on an http1.Server (the event API on the
//     reactor; the echo is a TryWriteMessage from OnMessage).
//   - gorilla: gorilla/websocket on net/http, a goroutine per connection in
//     ReadMessage/WriteMessage (its examples/echo), with a WriteBufferPool
//     (its documented way to save memory on idle connections).
//   - coder: coder/websocket on net/http, Reader/Writer and io.Copy per
//     message (its internal/examples/echo), compression disabled.
//   - gobwas: gobwas/ws's zero-copy upgrade on a net.Listener and its
//     low-level frame API, a goroutine per connection reading through a
//     small bufio.Reader and writing header and payload in one write.
//     mail.ru's netpoll (github.com/mailru/easygo) is not served by the Go
//     module proxy here, so the goroutine-per-connection form of its README
//     is the one measured.
//   - gws: lxzan/gws's own server (gws.NewServer), OnMessage writes back.
//   - nbio: nbio's nbhttp engine (one poller) with its websocket.Upgrader,
//     OnMessage writes back.
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime/pprof"
	"sort"
	"strconv"
	"sync"
	"syscall"
	"time"

	coder "github.com/coder/websocket"
	gobwas "github.com/gobwas/ws"
	"github.com/gorilla/websocket"
	"github.com/lesismal/nbio/nbhttp"
	nbws "github.com/lesismal/nbio/nbhttp/websocket"
	"github.com/lxzan/gws"
	"github.com/shio-rt/shio/http1"
	"github.com/shio-rt/shio/ws"
)

func main() {
	impl := flag.String("impl", "shio", "shio | gorilla | coder | gobwas | gws | nbio")
	addr := flag.String("addr", "127.0.0.1:8080", "listen address")
	control := flag.String("control", "", "serve the broadcast benchmark's /broadcast on this address (shio, gorilla)")
	compress := flag.Bool("compress", false, "negotiate permessage-deflate when the client offers it (shio, gorilla, coder, gws, nbio)")
	profile := flag.String("cpuprofile", "", "write a CPU profile of the first -profile-for to this file")
	profileFor := flag.Duration("profile-for", 5*time.Second, "how long -cpuprofile records")
	flag.Parse()
	if *profile != "" {
		f, err := os.Create(*profile)
		if err != nil {
			fatal(err)
		}
		pprof.StartCPUProfile(f)
		time.AfterFunc(*profileFor, func() { pprof.StopCPUProfile(); f.Close() })
	}
	// Connections are registered only for the broadcast benchmark: an echo
	// server (the idle figure) keeps no set of them, as the other impls'
	// examples do not.
	var reg *registry
	if *control != "" {
		reg = &registry{}
		if *impl != "shio" && *impl != "gorilla" {
			fatal(fmt.Errorf("-control: the broadcast benchmark has shio and gorilla only, not %s", *impl))
		}
		go func() { fatal(http.ListenAndServe(*control, reg)) }()
	}
	if *impl == "nbio" { // nbio opens its own listener
		e, err := startNbio(*addr, *compress)
		if err != nil {
			fatal(err)
		}
		sig := make(chan os.Signal, 1)
		signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
		<-sig
		e.Stop()
		return
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fatal(err)
	}
	switch *impl {
	case "shio":
		err = serveShio(ln, *compress, reg)
	case "gorilla":
		err = serveGorilla(ln, *compress, reg)
	case "coder":
		err = serveCoder(ln, *compress)
	case "gobwas":
		err = serveGobwas(ln)
	case "gws":
		err = serveGws(ln, *compress)
	default:
		err = fmt.Errorf("unknown -impl %q", *impl)
	}
	fatal(err)
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "server:", err)
	os.Exit(1)
}

// shio

type shioEcho struct{ reg *registry }

func (h shioEcho) OnOpen(c *ws.Conn) {
	if h.reg != nil {
		h.reg.add(c)
	}
}
func (h shioEcho) OnClose(c *ws.Conn, _ error) {
	if h.reg != nil {
		h.reg.remove(c)
	}
}
func (shioEcho) OnMessage(c *ws.Conn, typ ws.MessageType, p []byte) { c.TryWriteMessage(typ, p) }

func serveShio(ln net.Listener, compress bool, reg *registry) error {
	up := &ws.Upgrader{Config: ws.Config{Compression: compress}}
	h := shioEcho{reg: reg}
	return (&http1.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		up.Accept(w, r, h)
	})}).Serve(ln)
}

// gorilla

func serveGorilla(ln net.Listener, compress bool, reg *registry) error {
	up := &websocket.Upgrader{WriteBufferPool: &sync.Pool{}, EnableCompression: compress}
	return (&http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer c.Close()
		reg.add(c)
		defer reg.remove(c)
		for {
			mt, msg, err := c.ReadMessage()
			if err != nil {
				return
			}
			if err := c.WriteMessage(mt, msg); err != nil {
				return
			}
		}
	})}).Serve(ln)
}

// coder

func serveCoder(ln net.Listener, compress bool) error {
	opts := &coder.AcceptOptions{CompressionMode: coder.CompressionDisabled}
	if compress {
		opts.CompressionMode = coder.CompressionNoContextTakeover
	}
	return (&http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := coder.Accept(w, r, opts)
		if err != nil {
			return
		}
		defer c.CloseNow()
		c.SetReadLimit(1 << 20)
		ctx := r.Context()
		for {
			typ, rd, err := c.Reader(ctx)
			if err != nil {
				return
			}
			wr, err := c.Writer(ctx, typ)
			if err != nil {
				return
			}
			if _, err := io.Copy(wr, rd); err != nil {
				return
			}
			if err := wr.Close(); err != nil {
				return
			}
		}
	})}).Serve(ln)
}

// gobwas

func serveGobwas(ln net.Listener) error {
	for {
		conn, err := ln.Accept()
		if err != nil {
			return err
		}
		go func() {
			defer conn.Close()
			if _, err := gobwas.Upgrade(conn); err != nil {
				return
			}
			br := bufio.NewReaderSize(conn, 512)
			var out []byte
			for {
				h, err := gobwas.ReadHeader(br)
				if err != nil || h.Length > 1<<20 {
					return
				}
				hs := gobwas.HeaderSize(gobwas.Header{Length: h.Length})
				if cap(out) < hs+int(h.Length) {
					out = make([]byte, hs+int(h.Length))
				}
				out = out[:hs+int(h.Length)]
				payload := out[hs:]
				if _, err := io.ReadFull(br, payload); err != nil {
					return
				}
				if h.Masked {
					gobwas.Cipher(payload, h.Mask, 0)
				}
				switch h.OpCode {
				case gobwas.OpClose:
					return
				case gobwas.OpPing:
					h.OpCode = gobwas.OpPong
				case gobwas.OpPong:
					continue
				}
				h.Masked = false
				// The header into the space before the payload, one write.
				hb := headerBuf{b: out[:0]}
				gobwas.WriteHeader(&hb, h)
				if _, err := conn.Write(out); err != nil {
					return
				}
				if cap(out) > 64<<10 {
					out = nil // keep idle memory small after a large message
				}
			}
		}()
	}
}

// headerBuf is an io.Writer appending to b without growing it.
type headerBuf struct{ b []byte }

func (w *headerBuf) Write(p []byte) (int, error) {
	w.b = append(w.b, p...)
	return len(p), nil
}

// gws

type gwsEcho struct{ gws.BuiltinEventHandler }

func (gwsEcho) OnMessage(c *gws.Conn, m *gws.Message) {
	defer m.Close()
	c.WriteMessage(m.Opcode, m.Bytes())
}

func serveGws(ln net.Listener, compress bool) error {
	s := gws.NewServer(gwsEcho{}, &gws.ServerOption{PermessageDeflate: gws.PermessageDeflate{Enabled: compress}})
	return s.RunListener(ln)
}

// nbio

func startNbio(addr string, compress bool) (*nbhttp.Engine, error) {
	up := nbws.NewUpgrader()
	up.EnableCompression(compress)
	up.OnMessage(func(c *nbws.Conn, mt nbws.MessageType, data []byte) { c.WriteMessage(mt, data) })
	e := nbhttp.NewEngine(nbhttp.Config{Network: "tcp", Addrs: []string{addr}, NPoller: 1,
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { up.Upgrade(w, r, nil) })})
	if err := e.Start(); err != nil {
		return nil, err
	}
	return e, nil
}

// The broadcast benchmark.

// registry holds the open connections of shio or gorilla and serves
// /broadcast?rounds=N&size=B: N times, one message of B bytes (256 by
// default) written to every connection — shio with one ws.PreparedMessage
// and TryWritePreparedMessage per connection, gorilla with one
// websocket.PreparedMessage and WritePreparedMessage per connection, in a
// loop, as its documentation suggests for broadcasts. A round ends when
// every connection's socket has taken the message (shio: nothing left
// queued). /conns answers the number of connections. /broadcast answers with JSON: connections, and the wall time and the
// process's user and system CPU time per round (getrusage), each the
// median of the rounds.
type registry struct {
	mu      sync.Mutex
	shio    map[*ws.Conn]struct{}
	gorilla map[*websocket.Conn]struct{}
}

// add records c; a nil registry (no -control) records nothing.
func (r *registry) add(c any) {
	if r == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	switch c := c.(type) {
	case *ws.Conn:
		if r.shio == nil {
			r.shio = map[*ws.Conn]struct{}{}
		}
		r.shio[c] = struct{}{}
	case *websocket.Conn:
		if r.gorilla == nil {
			r.gorilla = map[*websocket.Conn]struct{}{}
		}
		r.gorilla[c] = struct{}{}
	}
}

func (r *registry) remove(c any) {
	if r == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	switch c := c.(type) {
	case *ws.Conn:
		delete(r.shio, c)
	case *websocket.Conn:
		delete(r.gorilla, c)
	}
}

type roundResult struct {
	Conns   int     `json:"conns"`
	Rounds  int     `json:"rounds"`
	Errors  int     `json:"errors"`
	WallUS  float64 `json:"wall_us"`
	UserUS  float64 `json:"user_us"`
	SysUS   float64 `json:"sys_us"`
	TotalUS float64 `json:"total_us"`
}

func (r *registry) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	if req.URL.Path == "/conns" {
		r.mu.Lock()
		n := len(r.shio) + len(r.gorilla)
		r.mu.Unlock()
		fmt.Fprintf(w, "{\"conns\": %d}\n", n)
		return
	}
	if req.URL.Path != "/broadcast" {
		http.NotFound(w, req)
		return
	}
	rounds, _ := strconv.Atoi(req.URL.Query().Get("rounds"))
	size, _ := strconv.Atoi(req.URL.Query().Get("size"))
	rounds, size = max(rounds, 1), max(size, 1)
	if size == 1 && req.URL.Query().Get("size") == "" {
		size = 256
	}
	msg := make([]byte, size)
	for i := range msg {
		msg[i] = byte('a' + i%26)
	}
	r.mu.Lock()
	sc := make([]*ws.Conn, 0, len(r.shio))
	for c := range r.shio {
		sc = append(sc, c)
	}
	gc := make([]*websocket.Conn, 0, len(r.gorilla))
	for c := range r.gorilla {
		gc = append(gc, c)
	}
	r.mu.Unlock()
	var walls, users, syss []float64
	errs := 0
	for range rounds {
		u0, s0 := rusage()
		t0 := time.Now()
		if len(sc) > 0 {
			// The message is encoded once per broadcast, as gorilla's is.
			pm, _ := ws.NewPreparedMessage(ws.TextMessage, msg)
			for _, c := range sc {
				if c.TryWritePreparedMessage(pm) != nil {
					errs++
				}
			}
			for _, c := range sc {
				for c.Buffered() > 0 {
					time.Sleep(50 * time.Microsecond)
				}
			}
		} else {
			pm, _ := websocket.NewPreparedMessage(websocket.TextMessage, msg)
			for _, c := range gc {
				if c.WritePreparedMessage(pm) != nil {
					errs++
				}
			}
		}
		wall := time.Since(t0)
		u1, s1 := rusage()
		walls = append(walls, float64(wall.Microseconds()))
		users = append(users, float64((u1 - u0).Microseconds()))
		syss = append(syss, float64((s1 - s0).Microseconds()))
		time.Sleep(20 * time.Millisecond) // let the clients' kernels take it in
	}
	res := roundResult{Conns: len(sc) + len(gc), Rounds: rounds, Errors: errs, WallUS: median(walls), UserUS: median(users), SysUS: median(syss)}
	tot := make([]float64, len(users))
	for i := range users {
		tot[i] = users[i] + syss[i]
	}
	res.TotalUS = median(tot)
	json.NewEncoder(w).Encode(res)
}

func rusage() (user, sys time.Duration) {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano()), time.Duration(ru.Stime.Nano())
}

func median(xs []float64) float64 {
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	return s[len(s)/2]
}
