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

// TestBarrierOneLeaderPerGeneration is the property test: n goroutines
// meeting g times elect exactly one leader per generation, and nobody leaves
// a generation before everyone has arrived.
func TestBarrierOneLeaderPerGeneration(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		n := rapid.IntRange(1, 8).Draw(rt, "goroutines")
		g := rapid.IntRange(1, 10).Draw(rt, "generations")
		b := ctxsync.NewBarrier(n)
		leaders := make([]atomic.Int32, g)
		arrived := make([]atomic.Int32, g)
		var early atomic.Bool
		var wg sync.WaitGroup
		for range n {
			wg.Go(func() {
				for gen := range g {
					arrived[gen].Add(1)
					leader, err := b.Wait(context.Background())
					if err != nil {
						early.Store(true)
					}
					if arrived[gen].Load() != int32(n) {
						early.Store(true)
					}
					if leader {
						leaders[gen].Add(1)
					}
				}
			})
		}
		wg.Wait()
		if early.Load() {
			rt.Fatal("a Wait returned before its generation was complete")
		}
		for gen := range leaders {
			if c := leaders[gen].Load(); c != 1 {
				rt.Fatalf("generation %d had %d leaders", gen, c)
			}
		}
	})
}

// TestBarrierWaitersAreDurablyBlocked is the synctest proof.
func TestBarrierWaitersAreDurablyBlocked(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := ctxsync.NewBarrier(2)
		ctx, cancel := context.WithTimeout(t.Context(), time.Hour)
		defer cancel()
		start := time.Now()
		done := make(chan error, 1)
		go func() {
			_, err := b.Wait(ctx)
			done <- err
		}()
		synctest.Wait()
		time.Sleep(time.Hour - time.Second)
		synctest.Wait()
		if !pending(done) {
			t.Fatal("Wait returned with one of two goroutines")
		}
		if err := <-done; err != context.DeadlineExceeded {
			t.Fatalf("Wait = %v", err)
		}
		if d := time.Since(start); d != time.Hour {
			t.Fatalf("deadline fired after %v, want 1h", d)
		}
	})
}

// TestBarrierCancelledWaitWithdraws proves Wait's # Cancellation: the
// cancelled goroutine no longer counts, so the generation needs one more
// arrival and does not trip early.
func TestBarrierCancelledWaitWithdraws(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := ctxsync.NewBarrier(3)
		ctx, cancel := context.WithCancel(t.Context())
		type result struct {
			leader bool
			err    error
		}
		wait := func(ctx context.Context) chan result {
			c := make(chan result, 1)
			go func() {
				l, err := b.Wait(ctx)
				c <- result{l, err}
			}()
			return c
		}
		first := wait(t.Context())
		gone := wait(ctx)
		synctest.Wait()
		cancel()
		if r := <-gone; r.err != context.Canceled || r.leader {
			t.Fatalf("cancelled Wait = %+v", r)
		}
		second := wait(t.Context())
		synctest.Wait()
		if !pending(first) || !pending(second) {
			t.Fatal("generation tripped with a withdrawn goroutine counted")
		}
		third := wait(t.Context())
		leaders := 0
		for _, c := range []chan result{first, second, third} {
			r := <-c
			if r.err != nil {
				t.Fatal(r.err)
			}
			if r.leader {
				leaders++
			}
		}
		if leaders != 1 {
			t.Fatalf("%d leaders", leaders)
		}
	})
}

// TestBarrierCancelRacingTripReportsTrip: when the generation trips as ctx
// is cancelled, Wait either reports the trip or withdraws, and in the
// second case the generation had not tripped.
func TestBarrierCancelRacingTripReportsTrip(t *testing.T) {
	for range 300 {
		b := ctxsync.NewBarrier(2)
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() {
			_, err := b.Wait(ctx)
			done <- err
		}()
		go cancel()
		leaderc := make(chan bool, 1)
		go func() {
			l, _ := b.Wait(context.Background())
			leaderc <- l
		}()
		if err := <-done; err != nil {
			// Withdrew before the second arrival: the second must
			// still be waiting for a partner; give it one.
			l, _ := b.Wait(context.Background())
			if l == <-leaderc {
				t.Fatal("leader count is not one")
			}
			continue
		}
		<-leaderc
	}
}

func TestNewBarrierPanicsOnZero(t *testing.T) {
	mustPanic(t, func() { ctxsync.NewBarrier(0) })
	var zero ctxsync.Barrier
	mustPanic(t, func() { zero.Wait(context.Background()) })
}
