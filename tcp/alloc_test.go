package tcp_test

import (
	"io"
	"testing"

	"github.com/shio-rt/shio/tcp"
)

// TestRoundTripAllocations: a message written and read back through two
// Conns (client and an echoing server) costs no allocation in the steady
// state: input buffers come from a pool and go back to it when drained, so
// an idle Conn holds none and a busy one allocates none.
func TestRoundTripAllocations(t *testing.T) {
	if raceEnabled {
		t.Skip("measures allocations (meaningless under -race)")
	}
	ln, err := tcp.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	done := make(chan struct{})
	go func() {
		defer close(done)
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		buf := make([]byte, 512)
		for {
			n, err := c.Read(buf)
			if err != nil {
				return
			}
			if _, err := c.Write(buf[:n]); err != nil {
				return
			}
		}
	}()
	c, err := tcp.Dial(t.Context(), "tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	msg := make([]byte, 64)
	got := make([]byte, 64)
	roundTrip := func() {
		if _, err := c.Write(msg); err != nil {
			t.Fatal(err)
		}
		if _, err := io.ReadFull(c, got); err != nil {
			t.Fatal(err)
		}
	}
	for range 100 {
		roundTrip()
	}
	allocs := testing.AllocsPerRun(1000, roundTrip)
	t.Logf("%.2f allocations per round trip", allocs)
	if allocs > 0.5 {
		t.Fatalf("%.2f allocations per round trip, want none", allocs)
	}
	c.Close()
	<-done
}
