package reactor_test

import (
	"io"
	"testing"

	"github.com/shio-rt/shio/reactor"
)

func TestEchoRoundTripDoesNotAllocate(t *testing.T) {
	if testing.Short() {
		t.Skip("allocation counts are process-wide; skipped in -short")
	}
	_, addr := start(t, reactor.Config{Loops: 1}, &echo{})
	c := dial(t, addr)
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
		roundTrip() // warm the pools and the runtime
	}
	// AllocsPerRun counts every goroutine's allocations: the client's
	// Write and Read allocate nothing, so this is the server's hot path
	// (read, OnData, coalesced write, flush).
	if n := testing.AllocsPerRun(500, roundTrip); n > 0.1 {
		t.Fatalf("%.2f allocations per echo round trip, want 0", n)
	}
}
