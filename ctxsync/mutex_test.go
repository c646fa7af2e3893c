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

func TestMutexZeroValueLocksAndUnlocks(t *testing.T) {
	var m ctxsync.Mutex
	if err := m.Lock(context.Background()); err != nil {
		t.Fatal(err)
	}
	if m.TryLock() {
		t.Fatal("TryLock succeeded on a locked mutex")
	}
	m.Unlock()
	if !m.TryLock() {
		t.Fatal("TryLock failed on an unlocked mutex")
	}
	m.Unlock()
}

func TestMutexUnlockOfUnlockedPanics(t *testing.T) {
	var m ctxsync.Mutex
	mustPanic(t, m.Unlock)
}

// TestMutexWaitersAreDurablyBlocked is the synctest proof: a blocked Lock
// lets synctest.Wait return and virtual time advance, and its ctx deadline
// fires at the virtual instant it is due.
func TestMutexWaitersAreDurablyBlocked(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var m ctxsync.Mutex
		m.Lock(t.Context())
		ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
		defer cancel()
		start := time.Now()
		done := make(chan error, 1)
		go func() { done <- m.Lock(ctx) }()
		synctest.Wait()
		time.Sleep(4 * time.Second)
		synctest.Wait()
		if !pending(done) {
			t.Fatal("Lock returned while the mutex was held")
		}
		if err := <-done; err != context.DeadlineExceeded {
			t.Fatalf("Lock = %v, want DeadlineExceeded", err)
		}
		if d := time.Since(start); d != 5*time.Second {
			t.Fatalf("deadline fired after %v of virtual time, want 5s", d)
		}
		m.Unlock()
	})
}

// TestMutexCancelledLockLeavesNoWaiter proves Lock's # Cancellation: after a
// cancelled Lock, Unlock frees the mutex completely (TryLock succeeds), and
// queued waiters behind the cancelled one are still served.
func TestMutexCancelledLockLeavesNoWaiter(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var m ctxsync.Mutex
		m.Lock(t.Context())
		ctx, cancel := context.WithCancel(t.Context())
		first := make(chan error, 1)
		go func() { first <- m.Lock(ctx) }()
		synctest.Wait()
		second := make(chan error, 1)
		go func() { second <- m.Lock(t.Context()) }()
		synctest.Wait()
		cancel()
		if err := <-first; err != context.Canceled {
			t.Fatalf("cancelled Lock = %v", err)
		}
		m.Unlock()
		if err := <-second; err != nil {
			t.Fatalf("Lock behind a cancelled waiter = %v", err)
		}
		m.Unlock()
		if !m.TryLock() {
			t.Fatal("mutex not free after the last Unlock: the cancelled waiter left state behind")
		}
		m.Unlock()
	})
}

// TestMutexLockWithDoneContext: a free mutex is taken even with a done ctx,
// a held one fails at once without queueing.
func TestMutexLockWithDoneContext(t *testing.T) {
	var m ctxsync.Mutex
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := m.Lock(ctx); err != nil {
		t.Fatalf("Lock of a free mutex with a done ctx = %v", err)
	}
	if err := m.Lock(ctx); err != context.Canceled {
		t.Fatalf("Lock of a held mutex with a done ctx = %v", err)
	}
	m.Unlock()
	if !m.TryLock() {
		t.Fatal("mutex not free")
	}
	m.Unlock()
}

// TestMutexCancelRacingHandoffLosesNothing races a cancellation against the
// hand-off of the lock: whatever wins, the waiter behind is served and the
// mutex ends free.
func TestMutexCancelRacingHandoffLosesNothing(t *testing.T) {
	for range 300 {
		var m ctxsync.Mutex
		m.Lock(context.Background())
		ctx, cancel := context.WithCancel(context.Background())
		a := make(chan error, 1)
		go func() { a <- m.Lock(ctx) }()
		b := make(chan error, 1)
		go func() { b <- m.Lock(context.Background()) }()
		go cancel()
		m.Unlock()
		if err := <-a; err == nil {
			m.Unlock()
		}
		if err := <-b; err != nil {
			t.Fatalf("second waiter: %v", err)
		}
		m.Unlock()
		if !m.TryLock() {
			t.Fatal("mutex not free at the end")
		}
	}
}

// TestMutexExcludesAndIsFIFO is the property test: goroutines queued behind
// a held mutex, some of them cancelled while waiting, acquire it exactly in
// arrival order, one at a time.
func TestMutexExcludesAndIsFIFO(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		n := rapid.IntRange(1, 12).Draw(rt, "waiters")
		cancelled := rapid.SliceOfN(rapid.Bool(), n, n).Draw(rt, "cancelled")
		var got, want []int
		synctest.Test(t, func(t *testing.T) {
			var m ctxsync.Mutex
			var inside atomic.Int32
			m.Lock(t.Context())
			var wg sync.WaitGroup
			cancels := make([]context.CancelFunc, n)
			for i := range n {
				ctx, cancel := context.WithCancel(t.Context())
				cancels[i] = cancel
				wg.Go(func() {
					if m.Lock(ctx) != nil {
						return
					}
					if inside.Add(1) != 1 {
						t.Error("two goroutines inside the mutex")
					}
					got = append(got, i) // guarded by m
					inside.Add(-1)
					m.Unlock()
				})
				synctest.Wait() // i is queued before i+1 starts
				if !cancelled[i] {
					want = append(want, i)
				}
			}
			for i, c := range cancelled {
				if c {
					cancels[i]()
				}
			}
			synctest.Wait()
			m.Unlock()
			wg.Wait()
			for _, c := range cancels {
				c()
			}
		})
		if !slices.Equal(got, want) {
			rt.Fatalf("acquisition order %v, want %v", got, want)
		}
	})
}

// TestMutexExcludesUnderStress hammers the mutex from several goroutines
// with random timeouts; the race detector and a plain counter check
// exclusion, and the mutex must end free.
func TestMutexExcludesUnderStress(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		g := rapid.IntRange(2, 6).Draw(rt, "goroutines")
		iters := rapid.IntRange(1, 200).Draw(rt, "iterations")
		var m ctxsync.Mutex
		counter := 0 // guarded by m
		var ok atomic.Int64
		var wg sync.WaitGroup
		for j := range g {
			wg.Go(func() {
				for i := range iters {
					ctx := context.Background()
					if (i+j)%3 == 0 {
						var cancel context.CancelFunc
						ctx, cancel = context.WithTimeout(ctx, time.Duration(i%50)*time.Microsecond)
						defer cancel()
					}
					if m.Lock(ctx) != nil {
						continue
					}
					counter++
					ok.Add(1)
					m.Unlock()
				}
			})
		}
		wg.Wait()
		if int64(counter) != ok.Load() {
			rt.Fatalf("counter %d, successful locks %d", counter, ok.Load())
		}
		if !m.TryLock() {
			rt.Fatal("mutex not free at the end")
		}
	})
}

func TestMutexTryLockDoesNotOvertakeWaiters(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var m ctxsync.Mutex
		m.Lock(t.Context())
		done := make(chan error, 1)
		go func() { done <- m.Lock(t.Context()) }()
		synctest.Wait()
		m.Unlock() // hands the lock to the waiter
		if m.TryLock() {
			t.Fatal("TryLock overtook a waiter")
		}
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		m.Unlock()
	})
}
