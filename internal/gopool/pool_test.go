package gopool_test

import (
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/shio-rt/shio/internal/gopool"
	"pgregory.net/rapid"
)

// TestEveryItemRunsOnce: whatever the interleaving of Go calls and of items
// that block, every item runs exactly once, and Close waits for all of them.
func TestEveryItemRunsOnce(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		n := rapid.IntRange(1, 200).Draw(t, "items")
		maxIdle := rapid.IntRange(0, 4).Draw(t, "maxIdle")
		block := rapid.SliceOfN(rapid.Bool(), n, n).Draw(t, "block")
		var ran []atomic.Int32 = make([]atomic.Int32, n)
		release := make(chan struct{})
		var p gopool.Pool[int]
		p.MaxIdle = maxIdle
		p.Run = func(i int) {
			if block[i] {
				<-release
			}
			ran[i].Add(1)
		}
		var wg sync.WaitGroup
		for i := range n {
			if i%7 == 0 {
				wg.Add(1)
				go func() { defer wg.Done(); p.Go(i) }()
				continue
			}
			p.Go(i)
		}
		wg.Wait()
		close(release)
		p.Close()
		for i := range ran {
			if got := ran[i].Load(); got != 1 {
				t.Fatalf("item %d ran %d times", i, got)
			}
		}
		if p.Idle() != 0 {
			t.Fatalf("Idle after Close = %d", p.Idle())
		}
	})
}

// TestReusesParkedGoroutine: a goroutine that finished its item parks, and
// the next item runs on it rather than on a new goroutine.
func TestReusesParkedGoroutine(t *testing.T) {
	done := make(chan struct{}, 1)
	var p gopool.Pool[int]
	p.Run = func(int) { done <- struct{}{} }
	defer p.Close()
	p.Go(1)
	<-done
	waitIdle(t, &p, 1)
	p.Go(2)
	<-done
	waitIdle(t, &p, 1) // the same goroutine parked again: still one, not two
}

// TestMaxIdle: past MaxIdle, finished goroutines exit instead of parking.
func TestMaxIdle(t *testing.T) {
	release := make(chan struct{})
	var started sync.WaitGroup
	var p gopool.Pool[int]
	p.MaxIdle = 2
	p.Run = func(int) { started.Done(); <-release }
	started.Add(5)
	for i := range 5 {
		p.Go(i)
	}
	started.Wait() // five goroutines, all busy
	close(release)
	waitIdle(t, &p, 2)
	p.Close()
}

// TestIdleTimeout: parked goroutines exit after one to two IdleTimeouts, and
// the sweeper with them, so an idle pool holds no goroutine.
func TestIdleTimeout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var p gopool.Pool[int]
		p.IdleTimeout = time.Second
		p.Run = func(int) {}
		p.Go(1)
		synctest.Wait()
		if p.Idle() != 1 {
			t.Fatalf("Idle = %d after the item, want 1", p.Idle())
		}
		time.Sleep(999 * time.Millisecond)
		synctest.Wait()
		if p.Idle() != 1 {
			t.Fatalf("Idle = %d before the timeout, want 1", p.Idle())
		}
		time.Sleep(time.Second + 2*time.Millisecond)
		synctest.Wait()
		if p.Idle() != 0 {
			t.Fatalf("Idle = %d after two periods, want 0", p.Idle())
		}
		// Every goroutine has exited: synctest.Test fails on any left
		// blocked in the bubble, which the next Go must not need.
		p.Go(2)
		synctest.Wait()
		p.Close()
	})
}

// TestCloseWaitsForRunningItems: Close returns only after running items end,
// and Go after Close still runs its item.
func TestCloseWaitsForRunningItems(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var p gopool.Pool[int]
		var finished atomic.Int32
		p.Run = func(int) { time.Sleep(time.Second); finished.Add(1) }
		p.Go(1)
		start := time.Now()
		p.Close()
		if finished.Load() != 1 || time.Since(start) != time.Second {
			t.Fatalf("Close returned after %v with %d finished", time.Since(start), finished.Load())
		}
		p.Go(2)
		p.Close()
		if finished.Load() != 2 {
			t.Fatalf("Go after Close: %d finished, want 2", finished.Load())
		}
	})
}

func waitIdle(t *testing.T, p *gopool.Pool[int], want int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for p.Idle() != want {
		if time.Now().After(deadline) {
			t.Fatalf("Idle = %d, want %d", p.Idle(), want)
		}
		time.Sleep(time.Millisecond)
	}
}

// TestReleaseDoesNotWait: Release ends parked goroutines at once and does
// not wait for running items, whose goroutines exit (rather than park) when
// they return.
func TestReleaseDoesNotWait(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var p gopool.Pool[int]
		release := make(chan struct{})
		p.Run = func(i int) {
			if i == 1 {
				<-release
			}
		}
		p.Go(1) // runs until release
		p.Go(2) // a second goroutine, which parks
		synctest.Wait()
		if p.Idle() != 1 {
			t.Fatalf("Idle = %d, want 1", p.Idle())
		}
		p.Release() // returns with item 1 still running
		if p.Idle() != 0 {
			t.Fatalf("Idle = %d after Release", p.Idle())
		}
		close(release)
		synctest.Wait()
		if p.Idle() != 0 {
			t.Fatal("a goroutine parked after Release")
		}
		// synctest.Test fails if any goroutine of the bubble is left blocked.
	})
}
