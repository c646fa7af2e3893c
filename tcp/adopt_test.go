package tcp_test

import (
	"bytes"
	"io"
	"net"
	"testing"
	"time"

	"github.com/shio-rt/shio/reactor"
	"github.com/shio-rt/shio/tcp"
)

// upgrader serves lines until "UPGRADE", then adopts the connection as a
// tcp.Conn with the bytes behind that line as its unread input.
type upgrader struct {
	adopted chan *tcp.Conn
	closed  chan error // onClose's error
	old     chan error // the upgrader's own OnClose: must not be called
}

func (u *upgrader) OnOpen(*reactor.Conn) {}

func (u *upgrader) OnData(rc *reactor.Conn, data []byte) int {
	n := 0
	for {
		i := bytes.IndexByte(data[n:], '\n')
		if i < 0 {
			return n
		}
		line := string(data[n : n+i])
		n += i + 1
		if line == "UPGRADE" {
			c, err := tcp.Adopt(rc, data[n:], func(err error) { u.closed <- err })
			if err != nil {
				panic(err)
			}
			u.adopted <- c
			return len(data)
		}
	}
}

func (u *upgrader) OnClose(_ *reactor.Conn, err error) { u.old <- err }

func TestAdoptGivesTheConnTheUnreadBytesAndLaterEvents(t *testing.T) {
	u := &upgrader{adopted: make(chan *tcp.Conn, 1), closed: make(chan error, 2), old: make(chan error, 1)}
	r, err := reactor.New(reactor.Config{Loops: 1}, u)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	ln, err := r.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	nc, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	nc.SetDeadline(time.Now().Add(10 * time.Second))
	nc.Write([]byte("hi\nUPGRADE\nearly"))
	c := <-u.adopted
	c.SetDeadline(time.Now().Add(10 * time.Second))
	nc.Write([]byte("+late"))
	got := make([]byte, len("early+late"))
	if _, err := io.ReadFull(c, got); err != nil || string(got) != "early+late" {
		t.Fatalf("adopted Conn read %q, %v", got, err)
	}
	if _, err := c.Write([]byte("pong")); err != nil {
		t.Fatal(err)
	}
	reply := make([]byte, 4)
	if _, err := io.ReadFull(nc, reply); err != nil || string(reply) != "pong" {
		t.Fatalf("peer read %q, %v", reply, err)
	}
	nc.Close()
	if _, err := c.Read(got); err != io.EOF {
		t.Fatalf("Read after the peer's FIN: %v, want io.EOF", err)
	}
	c.Close()
	select {
	case <-u.closed:
	case <-time.After(10 * time.Second):
		t.Fatal("onClose not called")
	}
	r.Close()
	select {
	case err := <-u.old:
		t.Fatalf("the handler that gave the connection away got OnClose(%v)", err)
	default:
	}
	if len(u.closed) != 0 {
		t.Fatal("onClose called twice")
	}
}
