package ws_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/shio-rt/shio/http1"
	"github.com/shio-rt/shio/ws"
)

// pieces is a StreamHandler that records the pieces of each message.
type pieces struct {
	mu      sync.Mutex
	largest int
	got     []byte
	done    chan []byte
}

func (*pieces) OnOpen(*ws.Conn)                            {}
func (*pieces) OnMessage(*ws.Conn, ws.MessageType, []byte) { panic("OnMessage on a StreamHandler") }
func (*pieces) OnClose(*ws.Conn, error)                    {}
func (s *pieces) OnFragment(c *ws.Conn, typ ws.MessageType, p []byte, final bool) {
	s.mu.Lock()
	s.largest = max(s.largest, len(p))
	s.got = append(s.got, p...)
	if final {
		s.done <- s.got
		s.got = nil
	}
	s.mu.Unlock()
}

// TestStreamHandlerPieces: a StreamHandler gets a large fragmented
// message in pieces no larger than a read, which add up to the message; a
// multi-byte character split across fragments (and writes) passes UTF-8
// validation, invalid text fails with 1007.
func TestStreamHandlerPieces(t *testing.T) {
	s := &pieces{done: make(chan []byte, 4)}
	up := ws.Upgrader{Config: ws.Config{MaxMessageSize: 16 << 20, MaxFrameSize: 16 << 20}}
	addr := serveWS(t, &up, s)
	c := dialRaw(t, addr)
	msg := bytes.Repeat([]byte("0123456789abcdef"), 4<<20/16)
	c.send(cat(frame(0x02, msg[:1<<20], false), frame(0x00, msg[1<<20:3<<20], false), frame(0x80, msg[3<<20:], false)))
	select {
	case got := <-s.done:
		if !bytes.Equal(got, msg) {
			t.Fatalf("got %d bytes, want the %d sent", len(got), len(msg))
		}
	case <-time.After(20 * time.Second):
		t.Fatal("no final piece")
	}
	s.mu.Lock()
	largest := s.largest
	s.mu.Unlock()
	if largest > 1<<20 || largest == 0 {
		t.Fatalf("largest piece %d bytes: not bounded by a read", largest)
	}
	t.Logf("largest piece of a 4 MiB message: %d bytes", largest)

	euro := []byte("€") // 3 bytes, split across two fragments, one byte per write
	c.sendSplit(cat(frame(0x01, euro[:1], false), frame(0x80, euro[1:], false)))
	if got := <-s.done; !bytes.Equal(got, euro) {
		t.Fatalf("split character: got %q", got)
	}
	c.send(cat(frame(0x01, []byte("ok"), false), frame(0x80, []byte{0xff}, false)))
	c.expectClose(1007)
}

// TestNextReaderBoundedMemory: NextReader streams an 8 MiB message: one
// Read never returns more than a read of the socket brought, whatever the
// buffer, and the bytes add up; a following message is read whole.
func TestNextReaderBoundedMemory(t *testing.T) {
	up := ws.Upgrader{Config: ws.Config{MaxMessageSize: 16 << 20, MaxFrameSize: 16 << 20}}
	conns := make(chan *ws.Conn, 1)
	addr := serveBlocking(t, &up, conns)
	cl := dialRaw(t, addr)
	c := <-conns
	msg := bytes.Repeat([]byte("abcdefgh"), 8<<20/8)
	go cl.nc.Write(cat(frame(0x82, msg, false), text("next")))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	typ, r, err := c.NextReader(ctx)
	if err != nil || typ != ws.BinaryMessage {
		t.Fatalf("NextReader: %v %v", typ, err)
	}
	buf := make([]byte, 16<<20)
	var got []byte
	largest := 0
	for {
		n, err := r.Read(buf)
		largest = max(largest, n)
		got = append(got, buf[:n]...)
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if !bytes.Equal(got, msg) {
		t.Fatalf("read %d bytes, want %d", len(got), len(msg))
	}
	if largest > 1<<20 {
		t.Fatalf("one Read returned %d bytes: the message was assembled", largest)
	}
	t.Logf("largest Read of an 8 MiB message: %d bytes", largest)
	if typ, p, err := c.ReadMessage(ctx); err != nil || typ != ws.TextMessage || string(p) != "next" {
		t.Fatalf("ReadMessage after the stream: %v %q %v", typ, p, err)
	}
	if _, err := r.Read(buf); err == nil {
		t.Fatal("a stale MessageReader read")
	}
}

// TestReadMessageCancelledMidMessage: a ReadMessage cancelled after the
// first fragment arrived loses nothing: the next call returns the whole
// message; NextReader after an unfinished reader skips the rest.
func TestReadMessageCancelledMidMessage(t *testing.T) {
	var up ws.Upgrader
	conns := make(chan *ws.Conn, 1)
	addr := serveBlocking(t, &up, conns)
	cl := dialRaw(t, addr)
	c := <-conns
	cl.send(frame(0x01, []byte("hel"), false))
	short, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, _, err := c.ReadMessage(short); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("ReadMessage with half a message: %v", err)
	}
	cl.send(frame(0x80, []byte("lo"), false))
	bg := context.Background()
	if typ, p, err := c.ReadMessage(bg); err != nil || typ != ws.TextMessage || string(p) != "hello" {
		t.Fatalf("ReadMessage = %v %q %v", typ, p, err)
	}
	cl.send(cat(frame(0x02, []byte("skip"), false), frame(0x80, []byte("ped"), false), bin([]byte("kept"))))
	_, r, err := c.NextReader(bg)
	if err != nil {
		t.Fatal(err)
	}
	var one [1]byte
	if n, err := r.Read(one[:]); n != 1 || err != nil {
		t.Fatalf("Read: %d %v", n, err)
	}
	_, r, err = c.NextReader(bg)
	if err != nil {
		t.Fatal(err)
	}
	if p, err := io.ReadAll(r); err != nil || string(p) != "kept" {
		t.Fatalf("after skipping: %q %v", p, err)
	}
}

// TestNextWriter: a MessageWriter sends a message in 16 KiB fragments as
// Write fills them; meanwhile TryWriteMessage says the queue is busy and
// WriteMessage waits, going out after the stream's last fragment; the
// peer's ping is answered between fragments.
func TestNextWriter(t *testing.T) {
	var up ws.Upgrader
	conns := make(chan *ws.Conn, 1)
	addr := serveBlocking(t, &up, conns)
	cl := dialRaw(t, addr)
	c := <-conns
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	w, err := c.NextWriter(ctx, ws.BinaryMessage)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.TryWriteMessage(ws.TextMessage, []byte("x")); !errors.Is(err, ws.ErrQueueFull) {
		t.Fatalf("TryWriteMessage during a stream: %v", err)
	}
	after := make(chan error, 1)
	go func() { after <- c.WriteMessage(ctx, ws.TextMessage, []byte("after")) }()
	msg := bytes.Repeat([]byte("0123456789"), 5000) // 50,000 bytes
	for p := msg; len(p) > 0; {
		k := min(len(p), 777)
		if _, err := w.Write(p[:k]); err != nil {
			t.Fatal(err)
		}
		p = p[k:]
	}
	f, err := cl.read() // the first fragment is out before Close
	if err != nil || f.op != 2 || f.fin || len(f.p) != 16<<10 {
		t.Fatalf("first fragment: op %d fin %v %d bytes, %v", f.op, f.fin, len(f.p), err)
	}
	cl.send(frame(0x89, []byte("p"), false))
	got := f.p
	for { // the pong comes between the fragments
		f, err := cl.read()
		if err != nil || f.fin && f.op != 10 {
			t.Fatalf("before the pong: op %d fin %v, %v", f.op, f.fin, err)
		}
		if f.op == 10 {
			break
		}
		got = append(got, f.p...)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	for {
		f, err := cl.read()
		if err != nil || f.op != 0 {
			t.Fatalf("continuation: op %d, %v", f.op, err)
		}
		got = append(got, f.p...)
		if f.fin {
			break
		}
	}
	if !bytes.Equal(got, msg) {
		t.Fatalf("streamed %d bytes, want %d", len(got), len(msg))
	}
	cl.expect(1, "after")
	if err := <-after; err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write([]byte("x")); err == nil {
		t.Fatal("Write after Close succeeded")
	}
}

// serveBlocking serves up.Upgrade on an http1.Server and sends each Conn
// to conns.
func serveBlocking(t *testing.T, up *ws.Upgrader, conns chan *ws.Conn) string {
	t.Helper()
	s := &http1.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if c, err := up.Upgrade(w, r); err == nil {
			conns <- c
		}
	})}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go s.Serve(ln)
	t.Cleanup(func() { s.Close() })
	return ln.Addr().String()
}
