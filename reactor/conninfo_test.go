package reactor_test

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/shio-rt/shio/reactor"
)

// describedEcho is an echo handler that describes its connections.
type describedEcho struct{ echo }

func (*describedEcho) DescribeConn(c *reactor.Conn, info *reactor.ConnInfo) {
	info.Proto, info.Phase, info.Requests = "echo", "echoing", 7
}

// TestConnsDescribesEachConnection: Conns lists every connection with its
// peer, state, age and the bytes it carried, and the handler's own view.
func TestConnsDescribesEachConnection(t *testing.T) {
	r, addr := start(t, reactor.Config{Loops: 2}, &describedEcho{})
	peers := map[string]bool{}
	for i := range 3 {
		c := dial(t, addr)
		msg := []byte(strings.Repeat("x", 10*(i+1)))
		if _, err := c.Write(msg); err != nil {
			t.Fatal(err)
		}
		if _, err := io.ReadFull(c, msg); err != nil {
			t.Fatal(err)
		}
		peers[c.LocalAddr().String()] = true
	}
	infos, err := r.Conns(context.Background(), 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(infos) != 3 {
		t.Fatalf("%d connections described, want 3: %+v", len(infos), infos)
	}
	var in int64
	for _, i := range infos {
		if !peers[i.Remote] || i.State != "open" || i.BytesIn != i.BytesOut || i.Age < 0 || i.Age > time.Minute ||
			i.Loop < 0 || i.Loop > 1 || i.Proto != "echo" || i.Phase != "echoing" || i.Requests != 7 {
			t.Errorf("connection %+v", i)
		}
		in += i.BytesIn
	}
	if in != 60 {
		t.Errorf("bytes in sum to %d, want 60", in)
	}
	if two, _ := r.Conns(context.Background(), 2); len(two) != 2 {
		t.Errorf("Conns(2) gave %d", len(two))
	}
}

// blocker holds its loop in OnData until released.
type blocker struct {
	echo
	in, release chan struct{}
}

func (b *blocker) OnData(c *reactor.Conn, data []byte) int {
	b.in <- struct{}{}
	<-b.release
	return len(data)
}

// TestConnsCancellation: with a loop held in a callback, Conns returns
// ctx.Err() when ctx ends.
func TestConnsCancellation(t *testing.T) {
	b := &blocker{in: make(chan struct{}), release: make(chan struct{})}
	r, addr := start(t, reactor.Config{Loops: 1}, b)
	c := dial(t, addr)
	c.Write([]byte("x"))
	<-b.in
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := r.Conns(ctx, 0); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Conns with its loop blocked: %v, want the deadline", err)
	}
	close(b.release)
	if infos, err := r.Conns(context.Background(), 0); err != nil || len(infos) != 1 {
		t.Errorf("after: %+v, %v", infos, err)
	}
}
