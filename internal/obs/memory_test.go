package obs_test

import (
	"os"
	"runtime"
	"strconv"
	"sync"
	"testing"

	"github.com/shio-rt/shio/internal/obs"
)

// TestMemoryBounded runs the whole life of millions of short tasks through the collector at the Full level (record, live table,
// labels, finish, ring) and checks that the heap after them is no larger
// than after the first hundred thousand: the collector keeps the live tasks
// and a ring of RingSize finished ones, whatever the count. The tasks are
// records driven by a few goroutines rather than one goroutine each, which
// would measure the scheduler, not the collector; the test through package
// task runs real tasks. It runs two million by default (a second on this
// machine's core, at ~1.3 µs a task at Full), ten million with
// SHIO_OBS_TASKS=10000000, and half a million under -short or -race: every
// count wraps the ring (RingSize is 4096) over a hundred times, which is the
// state that must not grow.
func TestMemoryBounded(t *testing.T) {
	withLevel(t, obs.Full)
	total := 2_000_000
	if testing.Short() || raceEnabled {
		total = 500_000
	}
	if s := os.Getenv("SHIO_OBS_TASKS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 200_000 {
			t.Fatalf("SHIO_OBS_TASKS=%q: want a count of at least 200000", s)
		}
		total = n
	}
	const workers = 4
	run := func(n int, next *uint64Counter) {
		var wg sync.WaitGroup
		for range workers {
			wg.Go(func() {
				for range n / workers {
					id := next.add()
					r := obs.Spawn(id, id/2, "mem", false, 0)
					r.Start()
					r.Finish(false)
				}
			})
		}
		wg.Wait()
	}
	var next uint64Counter
	next.v = 1 << 40 // clear of the IDs package task hands out
	run(100_000, &next)
	base := heapInUse()
	run(total-100_000, &next)
	after := heapInUse()
	if n := obs.FinishedLen(); n != obs.RingSize {
		t.Errorf("ring holds %d tasks, want %d", n, obs.RingSize)
	}
	if n := len(liveByName("mem")); n != 0 {
		t.Errorf("%d finished tasks left in the live table", n)
	}
	// Slack for the runtime's own variation; a leak of even 8 bytes a task
	// would be 80 MB (8 MB with a million).
	if grow := int64(after) - int64(base); grow > 4<<20 {
		t.Errorf("heap grew by %d bytes over %d tasks", grow, total)
	}
	t.Logf("heap in use: %d after 100k tasks, %d after %d", base, after, total)
}

type uint64Counter struct {
	mu sync.Mutex
	v  uint64
}

func (c *uint64Counter) add() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.v++
	return c.v
}

func heapInUse() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse
}
