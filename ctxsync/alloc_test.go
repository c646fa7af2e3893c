package ctxsync_test

import (
	"context"
	"testing"

	"github.com/shio-rt/shio/ctxsync"
)

// TestUncontendedPathsDoNotAllocate pins the allocations of the fast paths.
func TestUncontendedPathsDoNotAllocate(t *testing.T) {
	ctx := context.Background()
	var mu ctxsync.Mutex
	var rw ctxsync.RWMutex
	sem := ctxsync.NewSemaphore(4)
	var n ctxsync.Notify
	var ev ctxsync.Event
	ev.Set()
	cases := []struct {
		name string
		f    func()
	}{
		{"Mutex", func() { mu.Lock(ctx); mu.Unlock() }},
		{"RWMutex.RLock", func() { rw.RLock(ctx); rw.RUnlock() }},
		{"RWMutex.Lock", func() { rw.Lock(ctx); rw.Unlock() }},
		{"Semaphore", func() { sem.Acquire(ctx, 2); sem.Release(2) }},
		{"Notify permit", func() { n.NotifyOne(); n.Wait(ctx) }},
		{"Event set", func() { ev.Wait(ctx); <-ev.Done() }},
	}
	for _, c := range cases {
		if a := testing.AllocsPerRun(100, c.f); a != 0 {
			t.Errorf("%s: %v allocations per run, want 0", c.name, a)
		}
	}
}
