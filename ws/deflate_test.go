package ws_test

import (
	"bytes"
	"compress/flate"
	"context"
	"io"
	"net"
	"net/http"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/shio-rt/shio/ws"
)

// deflated compresses p as a permessage-deflate sender does (a sync
// flush, its empty stored block removed).
func deflated(p []byte) []byte {
	var b bytes.Buffer
	w, _ := flate.NewWriter(&b, flate.BestCompression)
	w.Write(p)
	w.Flush()
	return bytes.TrimSuffix(b.Bytes(), []byte{0, 0, 0xff, 0xff})
}

// dialDeflate opens a raw connection offering ext.
func dialDeflate(t *testing.T, addr, ext string) (*rawClient, string) {
	t.Helper()
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	nc.SetDeadline(time.Now().Add(10 * time.Second))
	io.WriteString(nc, "GET / HTTP/1.1\r\nHost: "+addr+"\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"+
		"Sec-WebSocket-Key: "+testKey+"\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Extensions: "+ext+"\r\n\r\n")
	br := newReader(nc)
	resp, err := http.ReadResponse(br, nil)
	if err != nil || resp.StatusCode != 101 {
		t.Fatalf("handshake: %v %v", resp, err)
	}
	return &rawClient{t: t, nc: nc, br: br}, resp.Header.Get("Sec-WebSocket-Extensions")
}

// TestDeflateNegotiation: every valid offer is accepted, with the
// parameters it asks for; invalid offers are declined.
func TestDeflateNegotiation(t *testing.T) {
	up := ws.Upgrader{Config: ws.Config{Compression: true}}
	addr := serveWS(t, &up, echo{})
	for _, tc := range []struct{ offer, want string }{
		{"permessage-deflate", "permessage-deflate; server_no_context_takeover"},
		{"permessage-deflate; client_max_window_bits", "permessage-deflate; server_no_context_takeover"},
		{"permessage-deflate; client_no_context_takeover", "permessage-deflate; server_no_context_takeover; client_no_context_takeover"},
		{"permessage-deflate; server_max_window_bits=9", "permessage-deflate; server_no_context_takeover; server_max_window_bits=9"},
		{"permessage-deflate; client_max_window_bits=8; server_no_context_takeover", "permessage-deflate; server_no_context_takeover"},
		{"permessage-deflate; server_max_window_bits=16, permessage-deflate", "permessage-deflate; server_no_context_takeover"},
		{"permessage-deflate; server_max_window_bits", ""},
		{"permessage-deflate; unknown=1", ""},
		{"x-webkit-deflate-frame", ""},
	} {
		_, got := dialDeflate(t, addr, tc.offer)
		if got != tc.want {
			t.Errorf("offer %q: answer %q, want %q", tc.offer, got, tc.want)
		}
	}
}

// TestDeflateFrames: compressed messages in, whole and fragmented, with
// and without the client's context takeover; compressed echoes out; RSV1
// where it may not be, invalid data and a decompression bomb fail.
func TestDeflateFrames(t *testing.T) {
	up := ws.Upgrader{Config: ws.Config{Compression: true, MaxMessageSize: 1 << 16}}
	addr := serveWS(t, &up, echo{})
	text := strings.Repeat("compress me, ", 100)

	t.Run("echo", func(t *testing.T) {
		c, _ := dialDeflate(t, addr, "permessage-deflate; client_no_context_takeover; server_max_window_bits=10")
		z := deflated([]byte(text))
		c.sendSplit(frame(0xc1, z, false))
		c.sendSplit(cat(frame(0x41, z[:5], false), frame(0x89, []byte("p"), false), frame(0x80, z[5:], false)))
		for i := range 3 {
			if i == 1 {
				c.expect(10, "p") // between the fragments of the second
				continue
			}
			f, err := c.read()
			if err != nil || f.op != 1 || !f.fin {
				t.Fatalf("echo: %v %v", f, err)
			}
			got, _ := io.ReadAll(flate.NewReader(io.MultiReader(bytes.NewReader(f.p), bytes.NewReader([]byte{0, 0, 0xff, 0xff, 1, 0, 0, 0xff, 0xff}))))
			if string(got) != text {
				t.Fatalf("echo decompressed to %d bytes", len(got))
			}
		}
	})
	t.Run("context takeover", func(t *testing.T) {
		c, _ := dialDeflate(t, addr, "permessage-deflate")
		// Two messages from one compressor: the second references the
		// first.
		var b bytes.Buffer
		w, _ := flate.NewWriter(&b, flate.BestCompression)
		w.Write([]byte(text))
		w.Flush()
		m1 := append([]byte(nil), bytes.TrimSuffix(b.Bytes(), []byte{0, 0, 0xff, 0xff})...)
		b.Reset()
		w.Write([]byte(text))
		w.Flush()
		m2 := bytes.TrimSuffix(b.Bytes(), []byte{0, 0, 0xff, 0xff})
		if len(m2) >= len(m1) {
			t.Fatalf("the second message does not use the context: %d >= %d bytes", len(m2), len(m1))
		}
		c.send(cat(frame(0xc1, m1, false), frame(0xc1, m2, false), frame(0x88, closePayload(1000, ""), false)))
		c.expectClose(1000) // both echoes read on the way (expectClose skips data frames)
	})
	for _, tc := range []struct {
		name string
		send []byte
		code uint16
	}{
		{"RSV1 on a continuation", cat(frame(0x41, deflated([]byte("ab")), false), frame(0xc0, nil, false)), 1002},
		{"RSV1 on a ping", frame(0xc9, nil, false), 1002},
		{"invalid deflate data", frame(0xc1, []byte{0xff, 0xff, 0xff}, false), 1007},
		{"invalid UTF-8 inside", frame(0xc1, deflated([]byte("ok\xff")), false), 1007},
		{"a decompression bomb", frame(0xc2, deflated(make([]byte, 10<<20)), false), 1009},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, _ := dialDeflate(t, addr, "permessage-deflate")
			c.send(tc.send)
			c.expectClose(tc.code)
		})
	}
}

// TestDeflateDialAndPython: shio's client and python3-websockets (which
// offers permessage-deflate with context takeover) exchange compressed
// messages with a shio server.
func TestDeflateDialAndPython(t *testing.T) {
	up := ws.Upgrader{Config: ws.Config{Compression: true, MaxMessageSize: 2 << 20, MaxFrameSize: 2 << 20}}
	addr := serveWS(t, &up, echo{})
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	d := ws.Dialer{Config: ws.Config{Compression: true}}
	c, resp, err := d.Dial(ctx, "ws://"+addr+"/", nil)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(resp.Header.Get("Sec-WebSocket-Extensions"), "permessage-deflate") {
		t.Fatalf("not negotiated: %v", resp.Header)
	}
	for _, n := range []int{10, 300, 70000, 1 << 20} {
		msg := []byte(strings.Repeat("shio ", n/5+1)[:n])
		c.WriteMessage(ctx, ws.TextMessage, msg)
		_, got, err := c.ReadMessage(ctx)
		if err != nil || !bytes.Equal(got, msg) {
			t.Fatalf("%d bytes: got %d, %v", n, len(got), err)
		}
	}
	c.Close(ws.StatusNormal, "")
	c.ReadMessage(ctx)

	py := "/usr/bin/python3"
	if exec.Command(py, "-c", "import websockets").Run() != nil {
		t.Skip("Debian's python3-websockets is not installed")
	}
	script := strings.Replace(pythonClient, "compression=None", "compression='deflate'", 1)
	out, err := exec.CommandContext(ctx, py, "-c", script, "ws://"+addr+"/echo").CombinedOutput()
	if err != nil || string(out) != "ok\n" {
		t.Fatalf("python3-websockets with deflate: %v\n%s", err, out)
	}
}

// TestDeflateAutobahn12and13 follows the Autobahn testsuite's families 12
// (compressed messages of 16 B to 128 KiB, text and binary, whole and
// fragmented, many in a row on one connection) and 13 (the same under each
// of the offers its cases make: the default, server_no_context_takeover,
// server_max_window_bits 8 and 15 with and without it, a list of offers;
// with client_max_window_bits offered as a browser does) plus the client's
// own parameters (client_no_context_takeover, client_max_window_bits=9).
// Every offer is accepted (none declined) with the parameters asked for;
// the client compresses with its context carried across messages unless
// told not to; every text echo from CompressionThreshold (256 B by
// default) on must come back compressed (RSV1 on its first frame only;
// a smaller message, or a binary one that compression would not shrink,
// may come back as it is), decompress to the payload, and, where the server's window
// is limited below 15 bits, reference no earlier bytes (shio's answer to
// a window compress/flate cannot make smaller), checked by size: a
// match-free encoding of n equal bytes takes at least n/8 bytes.
func TestDeflateAutobahn12and13(t *testing.T) {
	up := ws.Upgrader{Config: ws.Config{Compression: true}}
	addr := serveWS(t, &up, echo{})
	const cmwb = "permessage-deflate; client_max_window_bits"
	offers := []struct {
		name, offer string
		window      int // the server's window bits the answer must state (0: none stated)
	}{
		{"13.1 default", cmwb, 0},
		{"13.2 server_no_context_takeover", cmwb + "; server_no_context_takeover", 0},
		{"13.3 server_max_window_bits=8", cmwb + "; server_max_window_bits=8", 8},
		{"13.4 server_max_window_bits=15", cmwb + "; server_max_window_bits=15", 15},
		{"13.5 no takeover, 8", cmwb + "; server_no_context_takeover; server_max_window_bits=8", 8},
		{"13.6 no takeover, 15", cmwb + "; server_no_context_takeover; server_max_window_bits=15", 15},
		{"13.7 a list", cmwb + "; server_no_context_takeover; server_max_window_bits=9, " + cmwb + "; server_no_context_takeover, " + cmwb, 9},
		{"client_no_context_takeover", "permessage-deflate; client_no_context_takeover", 0},
		{"client_max_window_bits=9", "permessage-deflate; client_max_window_bits=9", 0},
	}
	sizes := []int{16, 64, 256, 1024, 4096, 16384, 65536, 131072}
	if testing.Short() {
		sizes = []int{16, 1024, 65536}
	}
	rnd := make([]byte, sizes[len(sizes)-1])
	for i := range rnd {
		rnd[i] = byte(i*7919 + i>>5*31 + i>>11) // varied, barely compressible
	}
	for _, of := range offers {
		t.Run(of.name, func(t *testing.T) {
			c, answer := dialDeflate(t, addr, of.offer)
			if !strings.HasPrefix(answer, "permessage-deflate") {
				t.Fatalf("offer %q declined (answer %q)", of.offer, answer)
			}
			params := map[string]string{}
			for _, p := range strings.Split(answer, ";")[1:] {
				k, v, _ := strings.Cut(strings.TrimSpace(p), "=")
				params[k] = v
			}
			if _, ok := params["server_no_context_takeover"]; !ok {
				t.Fatalf("answer %q: no server_no_context_takeover (the default)", answer)
			}
			if got := params["server_max_window_bits"]; (of.window == 0 && got != "") || (of.window != 0 && got != itoa(of.window)) {
				t.Fatalf("answer %q: server_max_window_bits %q, want %d", answer, got, of.window)
			}
			// The client's compressor: its context carried across messages
			// unless the answer says otherwise; Huffman-only (no references)
			// when its window is limited.
			_, noTakeover := params["client_no_context_takeover"]
			level := flate.BestCompression
			if v := params["client_max_window_bits"]; v != "" && v != "15" {
				level = flate.HuffmanOnly
			}
			var zb bytes.Buffer
			zw, _ := flate.NewWriter(&zb, level)
			for _, size := range sizes {
				for k := range 4 {
					binary := k%2 == 1
					p := bytes.Repeat([]byte("Hello, Autobahn! "), size/17+1)[:size]
					op := byte(1)
					if binary {
						p, op = rnd[:size], 2
					}
					if noTakeover {
						zw.Reset(&zb)
					}
					zb.Reset()
					zw.Write(p)
					zw.Flush()
					z := bytes.TrimSuffix(zb.Bytes(), []byte{0, 0, 0xff, 0xff})
					// Whole, or in fragments of 256 or 4096 bytes (RSV1 on the
					// first only), as Autobahn's auto-fragmentation.
					frag := []int{0, 256, 4096, 0}[k]
					if frag == 0 || len(z) <= frag {
						c.send(frame(0xc0|op, z, false))
					} else {
						var msg []byte
						for i := 0; i < len(z); i += frag {
							b0 := byte(0)
							if i == 0 {
								b0 = 0x40 | op
							}
							if i+frag >= len(z) {
								b0 |= 0x80
							}
							msg = append(msg, frame(b0, z[i:min(i+frag, len(z))], false)...)
						}
						c.send(msg)
					}
					f, err := c.read()
					if err != nil {
						t.Fatalf("%d B message %d: %v", size, k, err)
					}
					if f.op != op || (f.rsv1 && size < 256) || (!f.rsv1 && size >= 256 && !binary) {
						t.Fatalf("%d B message %d: echo op %d rsv1 %v, want op %d, text compressed from 256 B", size, k, f.op, f.rsv1, op)
					}
					got := f.p
					for !f.fin {
						if f, err = c.read(); err != nil || f.op != 0 || f.rsv1 {
							t.Fatalf("%d B message %d: continuation op %d rsv1 %v: %v", size, k, f.op, f.rsv1, err)
						}
						got = append(got, f.p...)
					}
					if of.window != 0 && of.window < 15 && !binary && len(got) < size/8 {
						t.Fatalf("%d B text under a %d-bit window: %d bytes compressed, fewer than a match-free encoding takes", size, of.window, len(got))
					}
					out := got
					if f.rsv1 {
						out, err = io.ReadAll(flate.NewReader(io.MultiReader(bytes.NewReader(got), bytes.NewReader([]byte{0, 0, 0xff, 0xff, 1, 0, 0, 0xff, 0xff}))))
					}
					if err != nil || !bytes.Equal(out, p) {
						t.Fatalf("%d B message %d: echo decompressed to %d bytes (%v)", size, k, len(out), err)
					}
				}
			}
			c.send(frame(0x88, closePayload(1000, ""), false))
			c.expectClose(1000)
		})
	}
}
