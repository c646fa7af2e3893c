package compat_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	coder "github.com/coder/websocket"
	"github.com/gorilla/websocket"

	"github.com/shio-rt/shio/ws"
)

// echoMessages is how many messages each echo test sends (and gets back).
const echoMessages = 1000

// maxEchoSize bounds one message's size.
const maxEchoSize = 64 << 10

// wsConn is one client's side of a WebSocket connection, whatever library
// made it. Types are the opcodes: 1 text, 2 binary (the same in all three).
type wsConn interface {
	send(ctx context.Context, typ int, p []byte) error
	recv(ctx context.Context) (int, []byte, error)
	close() error
}

// messageSource holds the bytes messages are cut from: ASCII for text (so
// valid UTF-8), random bytes for binary; made once, since filling 32 MB a
// test byte by byte under the race detector costs seconds.
var messageSource = sync.OnceValues(func() (text, binary []byte) {
	rnd := rand.New(rand.NewPCG(7, 7))
	text = make([]byte, 2*maxEchoSize)
	binary = make([]byte, 2*maxEchoSize)
	for i := range text {
		text[i] = byte(' ' + rnd.IntN(95))
		binary[i] = byte(rnd.Uint32())
	}
	return text, binary
})

// messages returns a seeded sequence of echoMessages messages: text or
// binary, of random sizes up to maxEchoSize, cut at random offsets.
func messages(seed uint64) (types []int, payloads [][]byte) {
	text, binary := messageSource()
	rnd := rand.New(rand.NewPCG(seed, seed))
	for range echoMessages {
		n := rnd.IntN(maxEchoSize + 1)
		off := rnd.IntN(maxEchoSize)
		typ := 1 + rnd.IntN(2)
		src := binary
		if typ == 1 {
			src = text
		}
		types = append(types, typ)
		payloads = append(payloads, src[off:off+n])
	}
	return types, payloads
}

// echo sends echoMessages messages on c from one goroutine while reading
// their echoes on this one, and checks each echo's type and bytes.
func echo(t *testing.T, c wsConn) {
	t.Helper()
	seed := rand.Uint64()
	types, payloads := messages(seed)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	sent := make(chan error, 1)
	go func() {
		for i := range payloads {
			if err := c.send(ctx, types[i], payloads[i]); err != nil {
				sent <- fmt.Errorf("message %d: %w", i, err)
				return
			}
		}
		sent <- nil
	}()
	for i := range payloads {
		typ, p, err := c.recv(ctx)
		if err != nil {
			cancel()
			t.Fatalf("seed %d: echo %d: %v (sender: %v)", seed, i, err, <-sent)
		}
		if typ != types[i] || !bytes.Equal(p, payloads[i]) {
			cancel()
			<-sent
			t.Fatalf("seed %d: echo %d is type %d, %d bytes; want type %d, %d bytes", seed, i, typ, len(p), types[i], len(payloads[i]))
		}
	}
	if err := <-sent; err != nil {
		t.Fatalf("seed %d: %v", seed, err)
	}
	if err := c.close(); err != nil {
		t.Errorf("close: %v", err)
	}
}

// gorillaConn, coderConn and shioConn adapt each library's connection.
type gorillaConn struct{ c *websocket.Conn }

func (g gorillaConn) send(_ context.Context, typ int, p []byte) error {
	return g.c.WriteMessage(typ, p)
}
func (g gorillaConn) recv(context.Context) (int, []byte, error) { return g.c.ReadMessage() }
func (g gorillaConn) close() error {
	// The close handshake, then the peer's close frame, then the socket.
	g.c.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""), time.Now().Add(10*time.Second))
	g.c.SetReadDeadline(time.Now().Add(10 * time.Second))
	for {
		if _, _, err := g.c.ReadMessage(); err != nil {
			g.c.Close()
			if websocket.IsCloseError(err, websocket.CloseNormalClosure) {
				return nil
			}
			return err
		}
	}
}

type coderConn struct{ c *coder.Conn }

func (c coderConn) send(ctx context.Context, typ int, p []byte) error {
	return c.c.Write(ctx, coder.MessageType(typ), p)
}
func (c coderConn) recv(ctx context.Context) (int, []byte, error) {
	typ, p, err := c.c.Read(ctx)
	return int(typ), p, err
}
func (c coderConn) close() error { return c.c.Close(coder.StatusNormalClosure, "") }

type shioConn struct{ c *ws.Conn }

func (s shioConn) send(ctx context.Context, typ int, p []byte) error {
	return s.c.WriteMessage(ctx, ws.MessageType(typ), p)
}
func (s shioConn) recv(ctx context.Context) (int, []byte, error) {
	typ, p, err := s.c.ReadMessage(ctx)
	return int(typ), p, err
}
func (s shioConn) close() error {
	if err := s.c.Close(ws.StatusNormal, ""); err != nil {
		return err
	}
	// ReadMessage reports the end of the close handshake.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, _, err := s.c.ReadMessage(ctx)
	var ce *ws.CloseError
	if errors.As(err, &ce) && ce.Code == ws.StatusNormal {
		return nil
	}
	return err
}

// handlers counts the server handlers of a test that outlive their
// request (hijacked connections): the test waits for them before it ends.
type handlers struct{ sync.WaitGroup }

// gorillaEcho is an echo server written with gorilla/websocket (Upgrade
// hijacks the connection).
func gorillaEcho(t *testing.T, hs *handlers) http.Handler {
	up := websocket.Upgrader{CheckOrigin: func(*http.Request) bool { return true }}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hs.Add(1)
		defer hs.Done()
		c, err := up.Upgrade(w, r, nil)
		if err != nil {
			if r.Header.Get("X-Refusal") == "" {
				t.Errorf("gorilla Upgrade: %v", err)
			}
			return
		}
		defer c.Close()
		for {
			typ, p, err := c.ReadMessage()
			if err != nil {
				return
			}
			if err := c.WriteMessage(typ, p); err != nil {
				return
			}
		}
	})
}

// coderEcho is an echo server written with coder/websocket (Accept writes the
// 101 through the ResponseWriter, then hijacks).
func coderEcho(t *testing.T, hs *handlers) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hs.Add(1)
		defer hs.Done()
		c, err := coder.Accept(w, r, nil)
		if err != nil {
			if r.Header.Get("X-Refusal") == "" {
				t.Errorf("coder Accept: %v", err)
			}
			return
		}
		defer c.CloseNow()
		c.SetReadLimit(2 * maxEchoSize)
		ctx := context.Background()
		for {
			typ, p, err := c.Read(ctx)
			if err != nil {
				return
			}
			if err := c.Write(ctx, typ, p); err != nil {
				return
			}
		}
	})
}

// shioEcho is an echo server written with shio's ws package (the event API,
// OnMessage on a goroutine so that it may wait for room to write).
type shioEcho struct {
	t       *testing.T
	lenient bool // any close is fine
}

func (shioEcho) OnOpen(*ws.Conn) {}
func (shioEcho) OnMessage(c *ws.Conn, typ ws.MessageType, p []byte) {
	c.WriteMessage(context.Background(), typ, p)
}
func (e shioEcho) OnClose(_ *ws.Conn, err error) {
	if ce := (*ws.CloseError)(nil); !e.lenient && (!errors.As(err, &ce) || ce.Code != ws.StatusNormal) {
		e.t.Errorf("shio ws server: connection closed with %v", err)
	}
}

func shioEchoHandler(t *testing.T) http.Handler {
	up := &ws.Upgrader{Config: ws.Config{HandlerTasks: true}, CheckOrigin: func(*http.Request) bool { return true }}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// The handshake tests close without a close frame, or are refused.
		probe := r.Header.Get("X-Probe") != ""
		if err := up.Accept(w, r, shioEcho{t, probe}); err != nil && !probe {
			t.Errorf("ws Accept: %v", err)
		}
	})
}

func wsURL(s *server) string {
	return strings.Replace(s.url, "http", "ws", 1) + "/ws"
}

func dialGorilla(t *testing.T, s *server) wsConn {
	t.Helper()
	d := *websocket.DefaultDialer
	if s.tr.isTLS() {
		_, pool := localhostCert(t)
		d.TLSClientConfig = &tls.Config{RootCAs: pool}
	}
	c, resp, err := d.Dial(wsURL(s), nil)
	if err != nil {
		t.Fatalf("%s: gorilla Dial: %v (%v)", s.tr, err, resp)
	}
	return gorillaConn{c}
}

func dialCoder(t *testing.T, s *server) wsConn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, _, err := coder.Dial(ctx, wsURL(s), &coder.DialOptions{HTTPClient: s.client})
	if err != nil {
		t.Fatalf("%s: coder Dial: %v", s.tr, err)
	}
	c.SetReadLimit(2 * maxEchoSize)
	return coderConn{c}
}

func dialShio(t *testing.T, s *server) wsConn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	d := ws.Dialer{}
	if s.tr.isTLS() {
		_, pool := localhostCert(t)
		d.TLSConfig = &tls.Config{RootCAs: pool}
	}
	c, _, err := d.Dial(ctx, wsURL(s), nil)
	if err != nil {
		t.Fatalf("%s: ws.Dial: %v", s.tr, err)
	}
	return shioConn{c}
}

// The echo tests cost about 4 s of CPU each under the race detector (every
// byte is masked and checked), so each library runs on the paths where it
// differs: the reactor (Hijack makes a tcp.Conn on the loop) and TLS on the
// reactor; the fallback path hands over the listener's own net.Conn, as
// net/http does, and is covered by the handshake comparison.

// TestGorillaEchoThroughShio runs a gorilla/websocket echo server (Hijack)
// on shio's server, with a gorilla client.
func TestGorillaEchoThroughShio(t *testing.T) {
	t.Parallel() // CPU-bound under -race: the echo tests share the machine
	for _, tr := range []transport{shioReactor, shioTLS} {
		t.Run(string(tr), func(t *testing.T) {
			var hs handlers
			s := start(t, tr, gorillaEcho(t, &hs), options{})
			t.Cleanup(hs.Wait)
			echo(t, dialGorilla(t, s))
		})
	}
}

// TestCoderEchoThroughShio runs a coder/websocket echo server (Accept:
// WriteHeader(101) with its Connection and Upgrade fields, then Hijack) on
// shio's server, with a coder client.
func TestCoderEchoThroughShio(t *testing.T) {
	t.Parallel() // CPU-bound under -race: the echo tests share the machine
	for _, tr := range []transport{shioReactor, shioFallbck} {
		t.Run(string(tr), func(t *testing.T) {
			var hs handlers
			s := start(t, tr, coderEcho(t, &hs), options{})
			t.Cleanup(hs.Wait)
			echo(t, dialCoder(t, s))
		})
	}
}

// TestShioWSServerWithGorillaAndCoderClients runs shio's ws echo server on
// shio's server with gorilla's and coder's clients. (ws under net/http,
// through Hijack, is the transport of its client, tested below, and of
// TestUpgradeResponsesMatch.)
func TestShioWSServerWithGorillaAndCoderClients(t *testing.T) {
	t.Parallel() // CPU-bound under -race: the echo tests share the machine
	s := start(t, shioReactor, shioEchoHandler(t), options{})
	t.Run("shio-reactor/gorilla", func(t *testing.T) { echo(t, dialGorilla(t, s)) })
	t.Run("shio-reactor/coder", func(t *testing.T) { echo(t, dialCoder(t, s)) })

}

// TestShioWSClientWithGorillaAndCoderServers runs shio's ws.Dial client
// against gorilla's echo server under net/http and coder's over TLS.
func TestShioWSClientWithGorillaAndCoderServers(t *testing.T) {
	t.Parallel() // CPU-bound under -race: the echo tests share the machine
	var hs handlers
	gs := start(t, netHTTP, gorillaEcho(t, &hs), options{})
	cs := start(t, netHTTPTLS, coderEcho(t, &hs), options{})
	t.Cleanup(hs.Wait)
	t.Run("net-http/gorilla", func(t *testing.T) { echo(t, dialShio(t, gs)) })
	t.Run("net-http-tls/coder", func(t *testing.T) { echo(t, dialShio(t, cs)) })
}

// TestUpgradeResponsesMatch compares the 101 responses of gorilla's,
// coder's and shio's upgrades under net/http and under shio: status and
// header fields (gorilla writes its 101 raw after Hijack; coder writes it
// through WriteHeader(101), with its Connection and Upgrade fields; shio's
// ws uses Upgrade on the reactor and Hijack under net/http), and refused
// handshakes (a missing key, a wrong version) alike.
func TestUpgradeResponsesMatch(t *testing.T) {
	var hs handlers
	t.Cleanup(hs.Wait)
	apps := map[string]http.Handler{"gorilla": gorillaEcho(t, &hs), "coder": coderEcho(t, &hs), "shio-ws": shioEchoHandler(t)}
	upgrade := func(fields ...string) func(string) *http.Request {
		return get("/ws", append([]string{"Connection: Upgrade", "Upgrade: websocket", "X-Probe: 1"}, fields...)...)
	}
	cases := []struct {
		name string
		req  func(string) *http.Request
	}{
		{"upgrade", upgrade("Sec-WebSocket-Version: 13", "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==")},
		{"no key", upgrade("Sec-WebSocket-Version: 13", "X-Refusal: 1")},
		{"version 8", upgrade("Sec-WebSocket-Version: 8", "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==", "X-Refusal: 1")},
	}
	for name, app := range apps {
		var servers []*server
		for _, tr := range []transport{netHTTP, shioReactor, shioFallbck} {
			servers = append(servers, start(t, tr, app, options{}))
		}
		for _, c := range cases {
			var replies []reply
			for _, s := range servers {
				req := c.req(s.url)
				resp, err := s.client.Do(req)
				if err != nil {
					t.Fatalf("%s %s on %s: %v", name, c.name, s.tr, err)
				}
				r := reply{status: resp.StatusCode, header: resp.Header, contentLength: resp.ContentLength, close: resp.Close}
				if resp.StatusCode == http.StatusSwitchingProtocols {
					resp.Body.Close() // the WebSocket: the server's handler sees the close
				} else {
					r.body, _ = io.ReadAll(resp.Body)
					resp.Body.Close()
				}
				replies = append(replies, r)
			}
			if c.name == "upgrade" && replies[0].status != http.StatusSwitchingProtocols {
				t.Errorf("%s: net/http answered %d to an upgrade", name, replies[0].status)
			}
			for i := 1; i < len(replies); i++ {
				if d := diff(replies[0], replies[i]); d != "" {
					t.Errorf("%s %s: %s differs from net/http:\n%s", name, c.name, servers[i].tr, d)
				}
			}
		}
	}
}
