package reactor_test

import (
	"io"
	"net"
	"testing"
	"time"

	"github.com/shio-rt/shio/reactor"
	"pgregory.net/rapid"
)

// scripted writes a drawn sequence of chunks on open, some from the
// callback and the rest from another goroutine, then closes.
type scripted struct {
	echo
	chunks  chan []int // sizes for the next connection
	inLoop  chan int   // how many of them OnOpen writes itself
	pattern func(off int) byte
}

func (s *scripted) OnOpen(c *reactor.Conn) {
	sizes, k := <-s.chunks, <-s.inLoop
	off := 0
	write := func(n int) {
		b := make([]byte, n)
		for i := range b {
			b[i] = s.pattern(off + i)
		}
		off += n
		c.Write(b)
	}
	for _, n := range sizes[:k] {
		write(n) // coalesced, flushed when OnOpen returns
	}
	go func() {
		for _, n := range sizes[k:] {
			write(n) // socket first, remainder queued
		}
		c.Close() // graceful: the queue is flushed before FIN
	}()
}

func TestWritesArriveInOrderAndCloseFlushesTheQueue(t *testing.T) {
	s := &scripted{chunks: make(chan []int, 1), inLoop: make(chan int, 1), pattern: func(off int) byte { return byte(off % 251) }}
	_, addr := start(t, reactor.Config{WriteHighWater: 32 << 10}, s)
	rapid.Check(t, func(rt *rapid.T) {
		sizes := rapid.SliceOfN(rapid.IntRange(1, 200_000), 1, 12).Draw(rt, "sizes")
		s.chunks <- sizes
		s.inLoop <- rapid.IntRange(0, len(sizes)).Draw(rt, "inLoop")
		total := 0
		for _, n := range sizes {
			total += n
		}
		c, err := net.Dial("tcp", addr)
		if err != nil {
			rt.Fatal(err)
		}
		defer c.Close()
		c.SetReadDeadline(time.Now().Add(20 * time.Second))
		got, err := io.ReadAll(c)
		if err != nil {
			rt.Fatalf("after %d of %d bytes: %v", len(got), total, err)
		}
		if len(got) != total {
			rt.Fatalf("got %d bytes, want %d", len(got), total)
		}
		for i, b := range got {
			if b != s.pattern(i) {
				rt.Fatalf("byte %d is %d, want %d: out of order", i, b, s.pattern(i))
			}
		}
	})
}
