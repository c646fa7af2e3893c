package ctxsync_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/shio-rt/shio/ctxsync"
	"pgregory.net/rapid"
)

func TestRWMutexReadersShareWritersExclude(t *testing.T) {
	var rw ctxsync.RWMutex
	ctx := context.Background()
	if rw.RLock(ctx) != nil || rw.RLock(ctx) != nil {
		t.Fatal("two readers could not share the zero-value RWMutex")
	}
	if rw.TryLock() {
		t.Fatal("TryLock succeeded while readers hold the lock")
	}
	rw.RUnlock()
	rw.RUnlock()
	if !rw.TryLock() {
		t.Fatal("TryLock failed on a free RWMutex")
	}
	if rw.TryRLock() {
		t.Fatal("TryRLock succeeded while a writer holds the lock")
	}
	rw.Unlock()
}

func TestRWMutexMisusePanics(t *testing.T) {
	var rw ctxsync.RWMutex
	mustPanic(t, rw.Unlock)
	mustPanic(t, rw.RUnlock)
	rw.RLock(context.Background())
	mustPanic(t, rw.Unlock)
}

// TestRWMutexIsWritePreferring: once a writer waits, a new reader queues
// behind it rather than joining the readers holding the lock.
func TestRWMutexIsWritePreferring(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var rw ctxsync.RWMutex
		rw.RLock(t.Context())
		var order []string // appended under the lock
		w := make(chan error, 1)
		go func() {
			err := rw.Lock(t.Context())
			order = append(order, "writer")
			rw.Unlock()
			w <- err
		}()
		synctest.Wait()
		if rw.TryRLock() {
			t.Fatal("TryRLock overtook a waiting writer")
		}
		r := make(chan error, 1)
		go func() {
			err := rw.RLock(t.Context())
			order = append(order, "reader")
			rw.RUnlock()
			r <- err
		}()
		synctest.Wait()
		if !pending(r) {
			t.Fatal("a new reader joined the readers while a writer waited")
		}
		rw.RUnlock()
		if <-w != nil || <-r != nil {
			t.Fatal("waiter failed")
		}
		if len(order) != 2 || order[0] != "writer" {
			t.Fatalf("order %v, want [writer reader]", order)
		}
	})
}

// TestRWMutexWaitersAreDurablyBlocked is the synctest proof for both kinds
// of waiter.
func TestRWMutexWaitersAreDurablyBlocked(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var rw ctxsync.RWMutex
		rw.Lock(t.Context())
		ctx, cancel := context.WithTimeout(t.Context(), 3*time.Second)
		defer cancel()
		start := time.Now()
		r := make(chan error, 1)
		w := make(chan error, 1)
		go func() { r <- rw.RLock(ctx) }()
		go func() { w <- rw.Lock(ctx) }()
		synctest.Wait()
		time.Sleep(2 * time.Second)
		synctest.Wait()
		if !pending(r) || !pending(w) {
			t.Fatal("a waiter returned while the writer held the lock")
		}
		if <-r != context.DeadlineExceeded || <-w != context.DeadlineExceeded {
			t.Fatal("waiters did not fail with DeadlineExceeded")
		}
		if d := time.Since(start); d != 3*time.Second {
			t.Fatalf("deadline fired after %v, want 3s", d)
		}
		rw.Unlock()
		if !rw.TryLock() {
			t.Fatal("cancelled waiters left state behind")
		}
	})
}

// TestRWMutexCancelledWriterAdmitsReadersBehindIt proves Lock's
// # Cancellation: readers queued only behind a cancelled writer get in.
func TestRWMutexCancelledWriterAdmitsReadersBehindIt(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var rw ctxsync.RWMutex
		rw.RLock(t.Context())
		ctx, cancel := context.WithCancel(t.Context())
		w := make(chan error, 1)
		go func() { w <- rw.Lock(ctx) }()
		synctest.Wait()
		r := make(chan error, 1)
		go func() { r <- rw.RLock(t.Context()) }()
		synctest.Wait()
		cancel()
		if err := <-w; err != context.Canceled {
			t.Fatalf("cancelled Lock = %v", err)
		}
		if err := <-r; err != nil {
			t.Fatalf("reader behind the cancelled writer = %v", err)
		}
		rw.RUnlock()
		rw.RUnlock()
		if !rw.TryLock() {
			t.Fatal("lock not free at the end")
		}
	})
}

// TestRWMutexCancelledReaderReleasesItsGrant proves RLock's # Cancellation
// under a real race: a reader admitted while being cancelled gives its read
// lock back, so the writer behind it always gets in.
func TestRWMutexCancelledReaderReleasesItsGrant(t *testing.T) {
	for range 300 {
		var rw ctxsync.RWMutex
		rw.Lock(context.Background())
		ctx, cancel := context.WithCancel(context.Background())
		r := make(chan error, 1)
		go func() { r <- rw.RLock(ctx) }()
		w := make(chan error, 1)
		go func() { w <- rw.Lock(context.Background()) }()
		go cancel()
		rw.Unlock()
		if err := <-r; err == nil {
			rw.RUnlock()
		}
		if err := <-w; err != nil {
			t.Fatal(err)
		}
		rw.Unlock()
		if !rw.TryLock() {
			t.Fatal("lock not free at the end")
		}
	}
}

// TestRWMutexExcludesAndIsFIFO is the property test: readers and writers
// queued behind a writer, some cancelled, are admitted in arrival order:
// for any two waiters of which at least one is a writer, the earlier one
// gets the lock first; and no writer ever shares the lock.
func TestRWMutexExcludesAndIsFIFO(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		n := rapid.IntRange(1, 10).Draw(rt, "waiters")
		writer := rapid.SliceOfN(rapid.Bool(), n, n).Draw(rt, "writer")
		cancelled := rapid.SliceOfN(rapid.Bool(), n, n).Draw(rt, "cancelled")
		pos := make([]int, n) // position in the acquisition log, -1 if none
		synctest.Test(t, func(t *testing.T) {
			var rw ctxsync.RWMutex
			var logMu sync.Mutex
			log := 0
			var writers, readers atomic.Int32
			rw.Lock(t.Context())
			var wg sync.WaitGroup
			cancels := make([]context.CancelFunc, n)
			for i := range n {
				ctx, cancel := context.WithCancel(t.Context())
				cancels[i] = cancel
				pos[i] = -1
				wg.Go(func() {
					if writer[i] {
						if rw.Lock(ctx) != nil {
							return
						}
						if writers.Add(1) != 1 || readers.Load() != 0 {
							t.Error("writer does not hold the lock alone")
						}
					} else {
						if rw.RLock(ctx) != nil {
							return
						}
						readers.Add(1)
						if writers.Load() != 0 {
							t.Error("reader shares the lock with a writer")
						}
					}
					logMu.Lock()
					pos[i] = log
					log++
					logMu.Unlock()
					if writer[i] {
						writers.Add(-1)
						rw.Unlock()
					} else {
						readers.Add(-1)
						rw.RUnlock()
					}
				})
				synctest.Wait()
			}
			for i, c := range cancelled {
				if c {
					cancels[i]()
				}
			}
			synctest.Wait()
			rw.Unlock()
			wg.Wait()
			for _, c := range cancels {
				c()
			}
		})
		for i := range n {
			if cancelled[i] != (pos[i] < 0) {
				rt.Fatalf("waiter %d: cancelled %v but position %d", i, cancelled[i], pos[i])
			}
			for j := i + 1; j < n; j++ {
				if pos[i] >= 0 && pos[j] >= 0 && (writer[i] || writer[j]) && pos[i] > pos[j] {
					rt.Fatalf("waiter %d (writer %v) overtook waiter %d (writer %v)", j, writer[j], i, writer[i])
				}
			}
		}
	})
}

// TestRWMutexExcludesUnderStress mixes readers and writers with timeouts.
func TestRWMutexExcludesUnderStress(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		g := rapid.IntRange(2, 6).Draw(rt, "goroutines")
		iters := rapid.IntRange(1, 150).Draw(rt, "iterations")
		var rw ctxsync.RWMutex
		var writers, readers atomic.Int32
		var bad atomic.Bool
		shared := 0 // written under the write lock, read under the read lock
		var wg sync.WaitGroup
		for j := range g {
			wg.Go(func() {
				for i := range iters {
					ctx, cancel := context.WithTimeout(context.Background(), time.Duration(i%40)*time.Microsecond)
					if (i+j)%2 == 0 {
						if rw.Lock(ctx) == nil {
							if writers.Add(1) != 1 || readers.Load() != 0 {
								bad.Store(true)
							}
							shared++
							writers.Add(-1)
							rw.Unlock()
						}
					} else if rw.RLock(ctx) == nil {
						readers.Add(1)
						if writers.Load() != 0 {
							bad.Store(true)
						}
						_ = shared
						readers.Add(-1)
						rw.RUnlock()
					}
					cancel()
				}
			})
		}
		wg.Wait()
		if bad.Load() {
			rt.Fatal("exclusion violated")
		}
		if !rw.TryLock() {
			rt.Fatal("lock not free at the end")
		}
	})
}
