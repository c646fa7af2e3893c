package ws_test

import (
	"bufio"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/shio-rt/shio/http1"
	"github.com/shio-rt/shio/ws"
)

// echo answers every message with itself.
type echo struct{}

func (echo) OnOpen(*ws.Conn) {}
func (echo) OnMessage(c *ws.Conn, typ ws.MessageType, p []byte) {
	c.TryWriteMessage(typ, p)
}
func (echo) OnClose(*ws.Conn, error) {}

// serveWS serves up (with h) on an http1.Server on loopback until the test
// ends and returns its address.
func serveWS(t *testing.T, up *ws.Upgrader, h ws.Handler) string {
	t.Helper()
	s := &http1.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		up.Accept(w, r, h)
	})}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- s.Serve(ln) }()
	t.Cleanup(func() {
		s.Close()
		if err := <-done; !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("Serve: %v", err)
		}
	})
	return ln.Addr().String()
}

// rawClient speaks WebSocket byte by byte, to send what a conforming
// client never would.
type rawClient struct {
	t  *testing.T
	nc net.Conn
	br *bufio.Reader
}

const testKey = "dGhlIHNhbXBsZSBub25jZQ=="

func dialRaw(t *testing.T, addr string) *rawClient {
	t.Helper()
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	nc.SetDeadline(time.Now().Add(10 * time.Second))
	req := "GET /chat HTTP/1.1\r\nHost: " + addr + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Key: " + testKey + "\r\nSec-WebSocket-Version: 13\r\n\r\n"
	if _, err := io.WriteString(nc, req); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(nc)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 101 || resp.Header.Get("Sec-WebSocket-Accept") != "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=" {
		t.Fatalf("handshake: %s %v", resp.Status, resp.Header)
	}
	return &rawClient{t: t, nc: nc, br: br}
}

// frame encodes a frame as a client sends it (masked unless unmasked).
func frame(b0 byte, payload []byte, unmasked bool) []byte {
	var b []byte
	var m byte = 0x80
	if unmasked {
		m = 0
	}
	switch n := len(payload); {
	case n < 126:
		b = append(b, b0, m|byte(n))
	case n <= 0xFFFF:
		b = append(b, b0, m|126, byte(n>>8), byte(n))
	default:
		b = append(b, b0, m|127)
		b = binary.BigEndian.AppendUint64(b, uint64(n))
	}
	if unmasked {
		return append(b, payload...)
	}
	key := [4]byte{0x37, 0xfa, 0x21, 0x3d}
	b = append(b, key[:]...)
	for i, c := range payload {
		b = append(b, c^key[i&3])
	}
	return b
}

func (c *rawClient) send(p []byte) {
	c.t.Helper()
	if _, err := c.nc.Write(p); err != nil {
		c.t.Fatalf("write: %v", err)
	}
}

// sendSplit sends p one byte per write, so that the server's parser sees
// every possible split.
func (c *rawClient) sendSplit(p []byte) {
	c.t.Helper()
	for i := range p {
		c.send(p[i : i+1])
	}
}

type rframe struct {
	fin  bool
	rsv1 bool // permessage-deflate's compressed bit
	op   byte
	p    []byte
}

// read reads one frame from the server, which must not be masked.
func (c *rawClient) read() (rframe, error) {
	var h [2]byte
	if _, err := io.ReadFull(c.br, h[:]); err != nil {
		return rframe{}, err
	}
	if h[1]&0x80 != 0 {
		return rframe{}, errors.New("masked frame from the server")
	}
	n := int(h[1] & 0x7f)
	switch n {
	case 126:
		var l [2]byte
		io.ReadFull(c.br, l[:])
		n = int(binary.BigEndian.Uint16(l[:]))
	case 127:
		var l [8]byte
		io.ReadFull(c.br, l[:])
		n = int(binary.BigEndian.Uint64(l[:]))
	}
	p := make([]byte, n)
	if _, err := io.ReadFull(c.br, p); err != nil {
		return rframe{}, err
	}
	return rframe{fin: h[0]&0x80 != 0, rsv1: h[0]&0x40 != 0, op: h[0] & 0xf, p: p}, nil
}

func (c *rawClient) expect(op byte, payload string) {
	c.t.Helper()
	f, err := c.read()
	if err != nil {
		c.t.Fatalf("reading a frame (op %d %.20q expected): %v", op, payload, err)
	}
	for !f.fin && f.op < 8 { // a fragmented message: assemble it
		g, err := c.read()
		if err != nil || g.op != 0 {
			c.t.Fatalf("continuation expected: op %d, %v", g.op, err)
		}
		f.p, f.fin = append(f.p, g.p...), g.fin
	}
	if f.op != op || string(f.p) != payload || !f.fin {
		c.t.Fatalf("got frame op %d fin %v %.40q; want op %d %.40q", f.op, f.fin, f.p, op, payload)
	}
}

// expectClose reads until the server's close frame, checks its code
// (0: no code), and then that the server closes the TCP connection.
func (c *rawClient) expectClose(code uint16) {
	c.t.Helper()
	for {
		f, err := c.read()
		if err != nil {
			c.t.Fatalf("no close frame (want %d): %v", code, err)
		}
		if f.op != 8 {
			continue // an echo sent before the failure
		}
		got := uint16(0)
		if len(f.p) >= 2 {
			got = binary.BigEndian.Uint16(f.p)
		}
		if got != code {
			c.t.Fatalf("close code %d (%q), want %d", got, f.p, code)
		}
		break
	}
	// Then the server closes the TCP connection. A client that was still
	// sending (a split case the server failed in mid-frame) may see a
	// reset where the reactor does not linger (the portable one).
	if _, err := c.br.ReadByte(); err != io.EOF && !errors.Is(err, syscall.ECONNRESET) {
		c.t.Fatalf("after the close frame: %v, want EOF", err)
	}
}

// expectEOF checks that the server closes the TCP connection next.
func (c *rawClient) expectEOF() {
	c.t.Helper()
	if _, err := c.br.ReadByte(); err != io.EOF && !errors.Is(err, syscall.ECONNRESET) {
		c.t.Fatalf("got %v, want EOF", err)
	}
}

func closePayload(code uint16, reason string) []byte {
	return append(binary.BigEndian.AppendUint16(nil, code), reason...)
}

var _ = strings.Repeat

func newReader(r io.Reader) *bufio.Reader { return bufio.NewReader(r) }

// silentListener accepts connections and never answers; it returns its
// address. Its connections close when the test ends.
func silentListener(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		var conns []net.Conn
		defer func() {
			for _, c := range conns {
				c.Close()
			}
		}()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			conns = append(conns, c)
		}
	}()
	t.Cleanup(func() { ln.Close(); <-done })
	return ln.Addr().String()
}
