package ctxsync_test

import (
	"context"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/shio-rt/shio/ctxsync"
	"pgregory.net/rapid"
)

func TestSemaphoreAcquireReleaseAvailable(t *testing.T) {
	s := ctxsync.NewSemaphore(5)
	ctx := context.Background()
	if err := s.Acquire(ctx, 3); err != nil {
		t.Fatal(err)
	}
	if s.Available() != 2 {
		t.Fatalf("Available = %d, want 2", s.Available())
	}
	if err := s.TryAcquire(3); err != ctxsync.ErrNoPermits {
		t.Fatalf("TryAcquire(3) with 2 available = %v; want ErrNoPermits", err)
	}
	if err := s.TryAcquire(2); err != nil {
		t.Fatalf("TryAcquire(2) with 2 available = %v", err)
	}
	s.Release(5)
	if s.Available() != 5 {
		t.Fatalf("Available = %d, want 5", s.Available())
	}
}

func TestSemaphoreMisusePanics(t *testing.T) {
	s := ctxsync.NewSemaphore(2)
	mustPanic(t, func() { s.Release(1) })
	mustPanic(t, func() { s.Acquire(context.Background(), 3) })
	mustPanic(t, func() { s.TryAcquire(-1) })
	mustPanic(t, func() { s.Release(-1) })
	mustPanic(t, func() { ctxsync.NewSemaphore(-1) })
}

// TestSemaphoreWaitersAreDurablyBlocked is the synctest proof.
func TestSemaphoreWaitersAreDurablyBlocked(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := ctxsync.NewSemaphore(1)
		s.Acquire(t.Context(), 1)
		ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
		defer cancel()
		start := time.Now()
		done := make(chan error, 1)
		go func() { done <- s.Acquire(ctx, 1) }()
		synctest.Wait()
		time.Sleep(59 * time.Second)
		synctest.Wait()
		if !pending(done) {
			t.Fatal("Acquire returned with no permit free")
		}
		if err := <-done; err != context.DeadlineExceeded {
			t.Fatalf("Acquire = %v", err)
		}
		if d := time.Since(start); d != time.Minute {
			t.Fatalf("deadline fired after %v, want 1m", d)
		}
		s.Release(1)
		if s.Available() != 1 {
			t.Fatal("cancelled Acquire changed the count")
		}
	})
}

// TestLargeAcquireDoesntStarve: a large request at the head blocks smaller
// later ones, even when they would fit, until it is served.
func TestLargeAcquireDoesntStarve(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := ctxsync.NewSemaphore(10)
		s.Acquire(t.Context(), 5)
		large := make(chan error, 1)
		go func() { large <- s.Acquire(t.Context(), 10) }()
		synctest.Wait()
		if err := s.TryAcquire(1); err != ctxsync.ErrNoPermits {
			t.Fatalf("a small TryAcquire overtook the large waiter: %v; want ErrNoPermits", err)
		}
		small := make(chan error, 1)
		go func() { small <- s.Acquire(t.Context(), 1) }()
		synctest.Wait()
		if !pending(small) {
			t.Fatal("a small Acquire overtook the large waiter")
		}
		s.Release(5)
		if err := <-large; err != nil {
			t.Fatal(err)
		}
		synctest.Wait()
		if !pending(small) {
			t.Fatal("small served while the large one holds everything")
		}
		s.Release(10)
		if err := <-small; err != nil {
			t.Fatal(err)
		}
		s.Release(1)
	})
}

// TestSemaphoreCancelledHeadLetsSmallerProceed proves Acquire's
// # Cancellation: the queue and the count are as if the cancelled call had
// never been made, so the requests it was holding up are served.
func TestSemaphoreCancelledHeadLetsSmallerProceed(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := ctxsync.NewSemaphore(10)
		s.Acquire(t.Context(), 5)
		ctx, cancel := context.WithCancel(t.Context())
		large := make(chan error, 1)
		go func() { large <- s.Acquire(ctx, 10) }()
		synctest.Wait()
		small := make(chan error, 1)
		go func() { small <- s.Acquire(t.Context(), 3) }()
		synctest.Wait()
		cancel()
		if err := <-large; err != context.Canceled {
			t.Fatalf("cancelled Acquire = %v", err)
		}
		if err := <-small; err != nil {
			t.Fatal(err)
		}
		if s.Available() != 2 {
			t.Fatalf("Available = %d, want 2", s.Available())
		}
		s.Release(8)
	})
}

func TestSemaphoreCloseFailsWaiters(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := ctxsync.NewSemaphore(2)
		s.Acquire(t.Context(), 2)
		done := make(chan error, 2)
		for range 2 {
			go func() { done <- s.Acquire(t.Context(), 1) }()
		}
		synctest.Wait()
		s.Close()
		s.Close()
		for range 2 {
			if err := <-done; err != ctxsync.ErrSemaphoreClosed {
				t.Fatalf("waiter got %v, want ErrSemaphoreClosed", err)
			}
		}
		if err := s.Acquire(t.Context(), 0); err != ctxsync.ErrSemaphoreClosed {
			t.Fatalf("Acquire after Close = %v", err)
		}
		if err := s.TryAcquire(1); err != ctxsync.ErrSemaphoreClosed {
			t.Fatalf("TryAcquire after Close = %v; want ErrSemaphoreClosed", err)
		}
		s.Release(2)
		if s.Available() != 2 {
			t.Fatalf("Available after Release = %d", s.Available())
		}
		mustPanic(t, func() { s.Release(1) })
	})
}

// TestSemaphoreCancelRacingGrantGivesPermitsBack races a cancellation with
// a grant: whatever wins, the permits end up all available.
func TestSemaphoreCancelRacingGrantGivesPermitsBack(t *testing.T) {
	for range 300 {
		s := ctxsync.NewSemaphore(3)
		s.Acquire(context.Background(), 3)
		ctx, cancel := context.WithCancel(context.Background())
		a := make(chan error, 1)
		go func() { a <- s.Acquire(ctx, 2) }()
		b := make(chan error, 1)
		go func() { b <- s.Acquire(context.Background(), 3) }()
		go cancel()
		s.Release(3)
		if err := <-a; err == nil {
			s.Release(2)
		}
		if err := <-b; err != nil {
			t.Fatal(err)
		}
		s.Release(3)
		if s.Available() != 3 {
			t.Fatalf("Available = %d, want 3", s.Available())
		}
	}
}

// TestSemaphoreServesInOrder is the FIFO property: waiters with random
// weights, some cancelled, queued behind an empty semaphore; permits are
// released in random chunks; after each release the set of served waiters
// is exactly the longest prefix of the live queue that fits.
func TestSemaphoreServesInOrder(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		size := rapid.Int64Range(1, 10).Draw(rt, "size")
		n := rapid.IntRange(1, 10).Draw(rt, "waiters")
		weights := rapid.SliceOfN(rapid.Int64Range(1, size), n, n).Draw(rt, "weights")
		cancelled := rapid.SliceOfN(rapid.Bool(), n, n).Draw(rt, "cancelled")
		chunks := rapid.SliceOfN(rapid.Int64Range(1, size), 1, 20).Draw(rt, "chunks")
		var failure string
		synctest.Test(t, func(t *testing.T) {
			s := ctxsync.NewSemaphore(size)
			s.Acquire(t.Context(), size)
			var mu sync.Mutex
			var served []int
			var wg sync.WaitGroup
			cancels := make([]context.CancelFunc, n)
			var live []int
			for i := range n {
				ctx, cancel := context.WithCancel(t.Context())
				cancels[i] = cancel
				wg.Go(func() {
					if s.Acquire(ctx, weights[i]) == nil {
						mu.Lock()
						served = append(served, i)
						mu.Unlock()
					}
				})
				synctest.Wait()
				if !cancelled[i] {
					live = append(live, i)
				}
			}
			for i, c := range cancelled {
				if c {
					cancels[i]()
				}
			}
			synctest.Wait()
			held := size // permits outside the semaphore: ours, then the served
			var released int64
			for _, c := range chunks {
				c = min(c, held)
				if c == 0 {
					break
				}
				s.Release(c)
				held -= c
				released += c
				synctest.Wait()
				var want []int
				var used int64
				for _, i := range live {
					if used+weights[i] > released {
						break
					}
					used += weights[i]
					want = append(want, i)
				}
				mu.Lock()
				got := slices.Sorted(slices.Values(served)) // one release may wake several at once
				mu.Unlock()
				if !slices.Equal(got, want) && failure == "" {
					failure = "served " + fmtInts(got) + ", want " + fmtInts(want)
				}
				if s.Available() != released-used && failure == "" {
					failure = "Available is wrong"
				}
			}
			s.Close() // fail the ones still waiting
			wg.Wait()
			for _, c := range cancels {
				c()
			}
		})
		if failure != "" {
			rt.Fatal(failure)
		}
	})
}

func fmtInts(a []int) string {
	b := []byte{'['}
	for i, v := range a {
		if i > 0 {
			b = append(b, ' ')
		}
		b = append(b, byte('0'+v/10), byte('0'+v%10))
	}
	return string(append(b, ']'))
}

// TestSemaphoreNeverOverIssues hammers a semaphore with random weights and
// timeouts: the permits held never exceed its size and all come back.
func TestSemaphoreNeverOverIssues(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		size := rapid.Int64Range(1, 8).Draw(rt, "size")
		g := rapid.IntRange(2, 6).Draw(rt, "goroutines")
		iters := rapid.IntRange(1, 150).Draw(rt, "iterations")
		s := ctxsync.NewSemaphore(size)
		var held atomic.Int64
		var over atomic.Bool
		var wg sync.WaitGroup
		for j := range g {
			wg.Go(func() {
				for i := range iters {
					n := int64(i+j)%size + 1
					ctx, cancel := context.WithTimeout(context.Background(), time.Duration(i%30)*time.Microsecond)
					var ok bool
					if i%5 == 0 {
						ok = s.TryAcquire(n) == nil
					} else {
						ok = s.Acquire(ctx, n) == nil
					}
					if ok {
						if held.Add(n) > size {
							over.Store(true)
						}
						held.Add(-n)
						s.Release(n)
					}
					cancel()
				}
			})
		}
		wg.Wait()
		if over.Load() {
			rt.Fatal("more permits held than the semaphore's size")
		}
		if s.Available() != size {
			rt.Fatalf("Available = %d at the end, want %d", s.Available(), size)
		}
	})
}
