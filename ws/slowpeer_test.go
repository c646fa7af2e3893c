package ws_test

import (
	"bufio"
	"context"
	"crypto/sha1"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/shio-rt/shio/ws"
)

// rawServer accepts one WebSocket client on loopback, answers its
// handshake by hand and returns the connection, read by the test (or not
// at all: a peer that does not read).
func rawServer(t *testing.T) (addr string, conns <-chan net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ch := make(chan net.Conn, 1)
	done := make(chan struct{})
	go func() {
		defer close(done)
		nc, err := ln.Accept()
		if err != nil {
			return
		}
		req, err := http.ReadRequest(bufio.NewReader(nc))
		if err != nil {
			nc.Close()
			return
		}
		h := sha1.Sum([]byte(req.Header.Get("Sec-WebSocket-Key") + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"))
		io.WriteString(nc, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"+
			"Sec-WebSocket-Accept: "+base64.StdEncoding.EncodeToString(h[:])+"\r\n\r\n")
		ch <- nc
	}()
	t.Cleanup(func() {
		ln.Close()
		<-done
		select {
		case nc := <-ch:
			nc.Close()
		default:
		}
	})
	return ln.Addr().String(), ch
}

// readClientFrame reads one masked frame from a client and returns its
// opcode and unmasked payload.
func readClientFrame(br *bufio.Reader) (byte, []byte, error) {
	var h [2]byte
	if _, err := io.ReadFull(br, h[:]); err != nil {
		return 0, nil, err
	}
	if h[1]&0x80 == 0 {
		return 0, nil, errors.New("unmasked frame from a client")
	}
	n := uint64(h[1] & 0x7f)
	switch n {
	case 126:
		var l [2]byte
		if _, err := io.ReadFull(br, l[:]); err != nil {
			return 0, nil, err
		}
		n = uint64(binary.BigEndian.Uint16(l[:]))
	case 127:
		var l [8]byte
		if _, err := io.ReadFull(br, l[:]); err != nil {
			return 0, nil, err
		}
		n = binary.BigEndian.Uint64(l[:])
	}
	var key [4]byte
	if _, err := io.ReadFull(br, key[:]); err != nil {
		return 0, nil, err
	}
	p := make([]byte, n)
	if _, err := io.ReadFull(br, p); err != nil {
		return 0, nil, err
	}
	for i := range p {
		p[i] ^= key[i&3]
	}
	return h[0] & 0xf, p, nil
}

// within runs f and fails the test if it has not returned after a
// generous bound (far below the connection's one-minute PongTimeout, the
// write deadline a blocked write would wait for).
func within(t *testing.T, what string, f func() error) {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- f() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	case <-time.After(20 * time.Second):
		t.Fatalf("%s waited behind a write to a peer that does not read", what)
	}
}

// TestClientWritesNeverWaitOnThePeer: a client's data message to a
// server that reads nothing is queued, not written from the caller's
// goroutine: a ping, a pong and reading pass it at once; the queue's
// bound applies (a waiting write returns with its context, TryWriteMessage
// says ErrQueueFull); once the server reads, everything arrives in order,
// and the close handshake and Wait end the connection.
func TestClientWritesNeverWaitOnThePeer(t *testing.T) {
	addr, conns := rawServer(t)
	d := ws.Dialer{Config: ws.Config{MaxOutbound: 64 << 10, PingInterval: -1, PongTimeout: time.Minute}}
	ctx := context.Background()
	c, _, err := d.Dial(ctx, "ws://"+addr+"/", nil)
	if err != nil {
		t.Fatal(err)
	}
	nc := <-conns
	big := make([]byte, 8<<20) // far more than the socket buffers hold
	for i := range big {
		big[i] = byte(i)
	}
	within(t, "WriteMessage of 8 MiB", func() error { return c.WriteMessage(ctx, ws.BinaryMessage, big) })
	within(t, "Ping", func() error { return c.Ping([]byte("p")) })
	// The server pings and sends a message: the client answers the ping
	// (queued) and delivers the message while its data is still stuck.
	io.WriteString(nc, "\x89\x01x\x81\x05hello")
	within(t, "ReadMessage", func() error {
		rctx, cancel := context.WithTimeout(ctx, 20*time.Second)
		defer cancel()
		typ, p, err := c.ReadMessage(rctx)
		if err == nil && (typ != ws.TextMessage || string(p) != "hello") {
			err = errors.New("got " + typ.String() + " " + string(p))
		}
		return err
	})
	wctx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	err = c.WriteMessage(wctx, ws.BinaryMessage, []byte("late"))
	cancel()
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("WriteMessage on a full queue: %v, want the context's error", err)
	}
	if err := c.TryWriteMessage(ws.BinaryMessage, []byte("late")); !errors.Is(err, ws.ErrQueueFull) {
		t.Fatalf("TryWriteMessage on a full queue: %v", err)
	}
	if c.Buffered() == 0 {
		t.Fatal("Buffered is 0 with 8 MiB queued")
	}
	// Now the server reads: the message (in fragments), then the ping,
	// then the pong, in the order they were written.
	nc.SetReadDeadline(time.Now().Add(time.Minute))
	br := bufio.NewReader(nc)
	var got []byte
	for len(got) < len(big) {
		op, p, err := readClientFrame(br)
		if err != nil {
			t.Fatal(err)
		}
		if (len(got) == 0) != (op == 2) || len(got) > 0 && op != 0 {
			t.Fatalf("opcode %d at byte %d of the message", op, len(got))
		}
		got = append(got, p...)
	}
	if string(got) != string(big) {
		t.Fatal("the message arrived altered")
	}
	for _, want := range []struct {
		op byte
		p  string
	}{{9, "p"}, {10, "x"}} {
		op, p, err := readClientFrame(br)
		if err != nil || op != want.op || string(p) != want.p {
			t.Fatalf("frame %d %q %v, want %d %q", op, p, err, want.op, want.p)
		}
	}
	c.Close(ws.StatusNormal, "")
	op, _, err := readClientFrame(br)
	if err != nil || op != 8 {
		t.Fatalf("close frame: %d %v", op, err)
	}
	io.WriteString(nc, "\x88\x02\x03\xe8")
	nc.Close()
	wctx, cancel = context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	var ce *ws.CloseError
	if err := c.Wait(wctx); !errors.As(err, &ce) || ce.Code != ws.StatusNormal {
		t.Fatalf("Wait: %v", err)
	}
}

// TestClientWriteDeadline: a server that never reads closes the client's
// connection once a write has waited for PongTimeout, and Wait returns
// (the queue's goroutine is joined).
func TestClientWriteDeadline(t *testing.T) {
	addr, conns := rawServer(t)
	d := ws.Dialer{Config: ws.Config{PingInterval: -1, PongTimeout: 200 * time.Millisecond}}
	ctx := context.Background()
	c, _, err := d.Dial(ctx, "ws://"+addr+"/", nil)
	if err != nil {
		t.Fatal(err)
	}
	nc := <-conns
	defer nc.Close() // kept: a net.Conn nothing refers to is closed by its finalizer
	// Queued at once; on a slow machine the deadline may pass while it
	// is, failing the write: either way the connection ends.
	c.WriteMessage(ctx, ws.BinaryMessage, make([]byte, 8<<20))
	wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	var ce *ws.CloseError
	if err := c.Wait(wctx); !errors.As(err, &ce) || ce.Code != ws.StatusAbnormal {
		t.Fatalf("Wait: %v, want an abnormal closure", err)
	}
	if err := c.WriteMessage(ctx, ws.BinaryMessage, []byte("x")); !errors.Is(err, ws.ErrClosed) {
		t.Fatalf("WriteMessage after the connection ended: %v", err)
	}
}
