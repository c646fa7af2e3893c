package ctxsync_test

import (
	"context"
	"sync"
	"testing"

	"github.com/shio-rt/shio/ctxsync"
)

// Run side by side:
//
//	go test -run '^$' -bench . -benchtime 200ms -count 3 ./ctxsync

func BenchmarkMutex(b *testing.B) {
	ctx := context.Background()
	b.Run("uncontended/ctxsync", func(b *testing.B) {
		var mu ctxsync.Mutex
		b.ReportAllocs()
		for b.Loop() {
			mu.Lock(ctx)
			mu.Unlock()
		}
	})
	b.Run("uncontended/sync", func(b *testing.B) {
		var mu sync.Mutex
		b.ReportAllocs()
		for b.Loop() {
			mu.Lock()
			mu.Unlock()
		}
	})
	for _, g := range []int{2, 4} {
		name := map[int]string{2: "goroutines=2", 4: "goroutines=4"}[g]
		b.Run(name+"/ctxsync", func(b *testing.B) {
			var mu ctxsync.Mutex
			contended(b, g, func() { mu.Lock(ctx) }, mu.Unlock)
		})
		b.Run(name+"/sync", func(b *testing.B) {
			var mu sync.Mutex
			contended(b, g, mu.Lock, mu.Unlock)
		})
	}
}

// contended splits b.N Lock+Unlock pairs over g goroutines, each with a
// tiny critical section, so ns/op is wall time per pair across all of them.
// It uses b.N rather than b.Loop, which serves a single goroutine.
func contended(b *testing.B, g int, lock, unlock func()) {
	b.ReportAllocs()
	shared := 0
	var wg sync.WaitGroup
	b.ResetTimer()
	for i := range g {
		n := b.N / g
		if i < b.N%g {
			n++
		}
		wg.Go(func() {
			for range n {
				lock()
				shared++
				unlock()
			}
		})
	}
	wg.Wait()
}

func BenchmarkRWMutexUncontendedRead(b *testing.B) {
	ctx := context.Background()
	b.Run("ctxsync", func(b *testing.B) {
		var rw ctxsync.RWMutex
		b.ReportAllocs()
		for b.Loop() {
			rw.RLock(ctx)
			rw.RUnlock()
		}
	})
	b.Run("sync", func(b *testing.B) {
		var rw sync.RWMutex
		b.ReportAllocs()
		for b.Loop() {
			rw.RLock()
			rw.RUnlock()
		}
	})
}

// BenchmarkNotify compares Notify with sync.Cond: signalling with nobody
// waiting, and a ping-pong where two goroutines wake each other in turn
// (one op is one round trip).
func BenchmarkNotify(b *testing.B) {
	b.Run("signal-no-waiter/ctxsync", func(b *testing.B) {
		var n ctxsync.Notify
		b.ReportAllocs()
		for b.Loop() {
			n.NotifyOne()
		}
	})
	b.Run("signal-no-waiter/sync.Cond", func(b *testing.B) {
		c := sync.NewCond(new(sync.Mutex))
		b.ReportAllocs()
		for b.Loop() {
			c.Signal()
		}
	})
	b.Run("ping-pong/ctxsync", func(b *testing.B) {
		ctx := context.Background()
		var ping, pong ctxsync.Notify
		stop := make(chan struct{})
		done := make(chan struct{})
		go func() {
			defer close(done)
			for {
				ping.Wait(ctx)
				select {
				case <-stop:
					return
				default:
				}
				pong.NotifyOne()
			}
		}()
		b.ReportAllocs()
		for b.Loop() {
			ping.NotifyOne()
			pong.Wait(ctx)
		}
		close(stop)
		ping.NotifyOne()
		<-done
	})
	b.Run("ping-pong/sync.Cond", func(b *testing.B) {
		var mu sync.Mutex
		c := sync.NewCond(&mu)
		turn, stop := 0, false // guarded by mu
		done := make(chan struct{})
		go func() {
			defer close(done)
			mu.Lock()
			defer mu.Unlock()
			for {
				for turn != 1 && !stop {
					c.Wait()
				}
				if stop {
					return
				}
				turn = 0
				c.Broadcast()
			}
		}()
		b.ReportAllocs()
		for b.Loop() {
			mu.Lock()
			turn = 1
			c.Broadcast()
			for turn != 0 {
				c.Wait()
			}
			mu.Unlock()
		}
		mu.Lock()
		stop = true
		c.Broadcast()
		mu.Unlock()
		<-done
	})
}
