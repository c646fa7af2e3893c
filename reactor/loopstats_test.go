package reactor_test

import (
	"io"
	"testing"
	"time"

	"github.com/shio-rt/shio/reactor"
)

// TestLoopStatsSumToStats: the per-loop counters add up to the reactor's,
// and each connection is counted on one loop.
func TestLoopStatsSumToStats(t *testing.T) {
	r, addr := start(t, reactor.Config{Loops: 2}, &echo{})
	var conns []io.ReadWriter
	for range 4 {
		c := dial(t, addr)
		conns = append(conns, c)
		msg := []byte("ping")
		if _, err := c.Write(msg); err != nil {
			t.Fatal(err)
		}
		if _, err := io.ReadFull(c, msg); err != nil {
			t.Fatal(err)
		}
	}
	loops := r.LoopStats()
	want := int64(2)
	if portable {
		want = 1 // the portable reactor reports itself as one loop
	}
	if int64(len(loops)) != want {
		t.Fatalf("%d loops, want %d", len(loops), want)
	}
	var sum reactor.LoopStats
	for _, l := range loops {
		if l.Loops != 1 {
			t.Errorf("a loop's Loops = %d", l.Loops)
		}
		sum.Accepted += l.Accepted
		sum.Open += l.Open
		sum.BytesRead += l.BytesRead
		sum.Passes += l.Passes
		sum.Events += l.Events
		if l.InPass < 0 || l.InPass > time.Minute {
			t.Errorf("InPass %v", l.InPass)
		}
	}
	s := r.Stats()
	if sum.Accepted != s.Accepted || sum.Accepted != 4 || sum.Open != 4 || sum.BytesRead != s.BytesRead || sum.BytesRead < 16 {
		t.Errorf("loops sum to %+v; reactor %+v", sum, s)
	}
	// One event may stand for several accepts, and a connection's first
	// bytes may be read in the pass that accepts it, so the count of
	// events is only known to be positive.
	if !portable && (sum.Passes == 0 || sum.Events == 0 || sum.Events > sum.Passes*256) {
		t.Errorf("passes %d, events %d: want passes and events counted", sum.Passes, sum.Events)
	}
}
