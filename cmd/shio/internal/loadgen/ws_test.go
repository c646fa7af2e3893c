package loadgen_test

import (
	"bufio"
	"context"
	"crypto/sha1"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/shio-rt/shio/cmd/shio/internal/loadgen"
)

// wsServerOpts shapes wsEchoServer's echoes.
type wsServerOpts struct {
	split      int    // when positive, echo each message in frames of at most this many bytes
	ping       bool   // send a ping before each echo (the client must answer)
	corruptMsg int    // when positive, flip a bit of this message (counted from 1) on each connection
	status     int    // when set, refuse the handshake with this status
	ext        string // when set, the Sec-WebSocket-Extensions the 101 agrees to
	pongs      *atomic.Int64
	path       *atomic.Value // the request target seen
}

// wsEchoServer is an RFC 6455 echo server written for the tests, one
// goroutine per connection, independent of package ws.
func wsEchoServer(o wsServerOpts) func(c net.Conn, br *bufio.Reader) {
	return func(c net.Conn, br *bufio.Reader) {
		req, err := http.ReadRequest(br)
		if err != nil {
			return
		}
		if o.path != nil {
			o.path.Store(req.RequestURI)
		}
		if o.status != 0 {
			fmt.Fprintf(c, "HTTP/1.1 %d %s\r\nContent-Length: 0\r\n\r\n", o.status, http.StatusText(o.status))
			return
		}
		sum := sha1.Sum([]byte(req.Header.Get("Sec-WebSocket-Key") + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"))
		ext := ""
		if o.ext != "" {
			ext = "Sec-WebSocket-Extensions: " + o.ext + "\r\n"
		}
		fmt.Fprintf(c, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n%s\r\n",
			base64.StdEncoding.EncodeToString(sum[:]), ext)
		var msg []byte
		count := 0
		for {
			var h [14]byte
			if _, err := io.ReadFull(br, h[:2]); err != nil {
				return
			}
			if h[1]&0x80 == 0 {
				return // clients must mask
			}
			n := int(h[1] & 0x7f)
			ext := map[int]int{126: 2, 127: 8}[n]
			if _, err := io.ReadFull(br, h[2:2+ext+4]); err != nil {
				return
			}
			switch ext {
			case 2:
				n = int(binary.BigEndian.Uint16(h[2:]))
			case 8:
				n = int(binary.BigEndian.Uint64(h[2:]))
			}
			key := h[2+ext : 2+ext+4]
			p := make([]byte, n)
			if _, err := io.ReadFull(br, p); err != nil {
				return
			}
			for i := range p {
				p[i] ^= key[i&3]
			}
			op := h[0] & 0x0f
			if op == 10 {
				if o.pongs != nil {
					o.pongs.Add(1)
				}
				continue
			}
			if op == 8 {
				return
			}
			msg = append(msg, p...)
			if h[0]&0x80 == 0 {
				continue
			}
			count++
			if count == o.corruptMsg {
				msg[len(msg)/2] ^= 1
			}
			var out []byte
			if o.ping {
				out = append(out, 0x89, 3, 'p', 'i', 'n')
			}
			step := len(msg)
			if o.split > 0 {
				step = o.split
			}
			for off := 0; off == 0 || off < len(msg); off += step {
				end := min(off+step, len(msg))
				b0 := byte(0)
				if off == 0 {
					b0 = 2
				}
				if end == len(msg) {
					b0 |= 0x80
				}
				out = appendFrame(out, b0, msg[off:end])
			}
			if _, err := c.Write(out); err != nil {
				return
			}
			msg = msg[:0]
		}
	}
}

func appendFrame(dst []byte, b0 byte, p []byte) []byte {
	switch n := len(p); {
	case n < 126:
		dst = append(dst, b0, byte(n))
	case n <= 0xffff:
		dst = append(dst, b0, 126, byte(n>>8), byte(n))
	default:
		dst = append(dst, b0, 127)
		dst = binary.BigEndian.AppendUint64(dst, uint64(n))
	}
	return append(dst, p...)
}

func TestWSEchoVerifiesEveryMessage(t *testing.T) {
	var pongs atomic.Int64
	var path atomic.Value
	for _, o := range []wsServerOpts{{}, {split: 7, ping: true, pongs: &pongs, path: &path}} {
		addr := scriptServer(t, wsEchoServer(o))
		for _, c := range []struct{ size, pipeline int }{{1, 1}, {125, 4}, {126, 1}, {1000, 8}, {65536, 2}, {70000, 1}} {
			if o.split > 0 && c.size > 1000 {
				continue // thousands of 7-byte frames: slow under -race, nothing new
			}
			pongs.Store(0)
			g, err := loadgen.NewEcho(loadgen.EchoConfig{Addr: addr, Size: c.size, Pipeline: c.pipeline, Conns: 2, Messages: 200,
				WebSocket: &loadgen.WSTarget{Path: "/echo?x=1"}})
			if err != nil {
				t.Fatal(err)
			}
			res, err := g.Run(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if res.Requests != 200 || res.ErrorCount() != 0 || res.Latency.Count() != 200 {
				t.Errorf("%+v %+v: messages %d, errors %v %v, samples %d", o, c, res.Requests, res.Errors, res.ErrorExamples, res.Latency.Count())
			}
			if o.ping && pongs.Load() != 200 {
				// The client answers each ping; the last ones may still be in
				// flight when the run ends, so only a shortfall of a few is allowed.
				if p := pongs.Load(); p < 200-2*int64(c.pipeline) {
					t.Errorf("%+v: %d pongs for 200 pings", c, p)
				}
			}
		}
		if o.path != nil && path.Load() != "/echo?x=1" {
			t.Errorf("request target %v, want /echo?x=1", path.Load())
		}
	}
}

// TestWSEchoCatchesACorruptedByte flips one bit of the 10th message of every
// connection: each connection must fail exactly there.
func TestWSEchoCatchesACorruptedByte(t *testing.T) {
	addr := scriptServer(t, wsEchoServer(wsServerOpts{corruptMsg: 10, split: 30}))
	g, err := loadgen.NewEcho(loadgen.EchoConfig{Addr: addr, Size: 100, Conns: 1, Messages: 50, WebSocket: &loadgen.WSTarget{}})
	if err != nil {
		t.Fatal(err)
	}
	res, err := g.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	// Each connection passes 9 messages and fails the 10th, then is
	// redialled (and starts again): 50 tickets make 5 connections.
	if res.Errors[loadgen.KindMismatch] != 5 || res.ErrorCount() != 5 {
		t.Errorf("mismatches %d, want 5 (errors %v %v)", res.Errors[loadgen.KindMismatch], res.Errors, res.ErrorExamples)
	}
	if res.Requests != 45 || res.Connects != 5 {
		t.Errorf("messages %d, connects %d; want 45 and 5", res.Requests, res.Connects)
	}
}

func TestWSHandshakeRefused(t *testing.T) {
	addr := scriptServer(t, wsEchoServer(wsServerOpts{status: 403}))
	g, err := loadgen.NewEcho(loadgen.EchoConfig{Addr: addr, Conns: 2, Messages: 10, WebSocket: &loadgen.WSTarget{}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = g.Run(context.Background())
	if !errors.Is(err, loadgen.ErrNoConnection) {
		t.Fatalf("err %v, want ErrNoConnection", err)
	}
	if want := "403 Forbidden"; !strings.Contains(err.Error(), want) {
		t.Errorf("err %q does not say %q", err, want)
	}
}

func TestWSEchoOpenLoop(t *testing.T) {
	addr := scriptServer(t, wsEchoServer(wsServerOpts{}))
	g, err := loadgen.NewEcho(loadgen.EchoConfig{Addr: addr, Conns: 2, Pipeline: 2, Messages: 100, Rate: 2000, WebSocket: &loadgen.WSTarget{}})
	if err != nil {
		t.Fatal(err)
	}
	res, err := g.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	// 100 messages at 2000/s take at least ~50 ms: the rate is kept.
	if res.Requests != 100 || res.ErrorCount() != 0 || res.Elapsed < 40*time.Millisecond {
		t.Errorf("messages %d, errors %v, elapsed %v", res.Requests, res.Errors, res.Elapsed)
	}
	if _, err := loadgen.NewEcho(loadgen.EchoConfig{Addr: addr, Rate: 10}); !errors.Is(err, loadgen.ErrConfig) {
		t.Errorf("a TCP echo with a rate: %v, want ErrConfig", err)
	}
}

func TestWSIdleHandshakes(t *testing.T) {
	var path atomic.Value
	addr := scriptServer(t, wsEchoServer(wsServerOpts{path: &path}))
	g, err := loadgen.NewIdle(loadgen.IdleConfig{Addr: addr, Conns: 20, Hold: time.Millisecond, WebSocket: &loadgen.WSTarget{Path: "/idle"}})
	if err != nil {
		t.Fatal(err)
	}
	res, err := g.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if res.Held != 20 || res.Alive != 20 || path.Load() != "/idle" {
		t.Errorf("held %d, alive %d, path %v", res.Held, res.Alive, path.Load())
	}
	bad := scriptServer(t, wsEchoServer(wsServerOpts{status: 400}))
	g, err = loadgen.NewIdle(loadgen.IdleConfig{Addr: bad, Conns: 3, Hold: time.Millisecond, WebSocket: &loadgen.WSTarget{}})
	if err != nil {
		t.Fatal(err)
	}
	if res, err := g.Run(context.Background()); err == nil || res.Held != 0 {
		t.Errorf("refused handshakes: held %d, err %v", res.Held, err)
	}
}

// TestWSExtensionOnlyWhenOffered: a 101 that agrees to an extension is
// refused unless the handshake offered one (through Header), as an idle run
// with compression does.
func TestWSExtensionOnlyWhenOffered(t *testing.T) {
	addr := scriptServer(t, wsEchoServer(wsServerOpts{ext: "permessage-deflate"}))
	run := func(target *loadgen.WSTarget) (*loadgen.IdleResult, error) {
		g, err := loadgen.NewIdle(loadgen.IdleConfig{Addr: addr, Conns: 3, Hold: time.Millisecond, WebSocket: target})
		if err != nil {
			t.Fatal(err)
		}
		return g.Run(context.Background())
	}
	if res, err := run(&loadgen.WSTarget{}); err == nil || res.Held != 0 || !strings.Contains(res.FirstErr.Error(), "none was offered") {
		t.Errorf("not offered: held %d, err %v, first %v", res.Held, err, res.FirstErr)
	}
	offer := &loadgen.WSTarget{Header: http.Header{"Sec-WebSocket-Extensions": {"permessage-deflate"}}}
	if res, err := run(offer); err != nil || res.Held != 3 {
		t.Errorf("offered: held %d, err %v", res.Held, err)
	}
}
