// Package ctxsync_test compares ctxsync.Semaphore with
// golang.org/x/sync/semaphore.Weighted, side by side in one run:
//
//	cd bench && go test -run '^$' -bench . -benchtime 200ms -count 3 ./ctxsync
package ctxsync_test

import (
	"context"
	"sync"
	"testing"

	"github.com/shio-rt/shio/ctxsync"
	"golang.org/x/sync/semaphore"
)

// sem is the interface both semaphores satisfy; tryAcquire adapts their
// TryAcquire results (an error for ctxsync, a bool for x/sync).
type sem interface {
	Acquire(ctx context.Context, n int64) error
	Release(n int64)
}

func tryAcquire(s sem, n int64) bool {
	switch s := s.(type) {
	case *ctxsync.Semaphore:
		return s.TryAcquire(n) == nil
	case *semaphore.Weighted:
		return s.TryAcquire(n)
	}
	panic("unknown semaphore")
}

var peers = []struct {
	name string
	new  func(n int64) sem
}{
	{"ctxsync", func(n int64) sem { return ctxsync.NewSemaphore(n) }},
	{"x-sync", func(n int64) sem { return semaphore.NewWeighted(n) }},
}

// BenchmarkSemaphoreUncontended: one goroutine, permits always free.
func BenchmarkSemaphoreUncontended(b *testing.B) {
	ctx := context.Background()
	for _, p := range peers {
		b.Run("Acquire/"+p.name, func(b *testing.B) {
			s := p.new(10)
			b.ReportAllocs()
			for b.Loop() {
				s.Acquire(ctx, 1)
				s.Release(1)
			}
		})
		b.Run("TryAcquire/"+p.name, func(b *testing.B) {
			s := p.new(10)
			b.ReportAllocs()
			for b.Loop() {
				tryAcquire(s, 1)
				s.Release(1)
			}
		})
	}
}

// BenchmarkSemaphoreContended: g goroutines share b.N Acquire+Release pairs
// on a semaphore of size limit, so some of them block. ns/op is wall time
// per pair over all goroutines. (b.N rather than b.Loop, which serves one
// goroutine.)
func BenchmarkSemaphoreContended(b *testing.B) {
	ctx := context.Background()
	for _, c := range []struct {
		name     string
		g, limit int64
	}{
		{"goroutines=4,size=2", 4, 2},
		{"goroutines=4,size=3,weights=1-3", 4, 3},
		{"goroutines=16,size=4", 16, 4},
	} {
		for _, p := range peers {
			b.Run(c.name+"/"+p.name, func(b *testing.B) {
				s := p.new(c.limit)
				b.ReportAllocs()
				var wg sync.WaitGroup
				b.ResetTimer()
				for i := range c.g {
					n := int64(b.N) / c.g
					if i < int64(b.N)%c.g {
						n++
					}
					w := int64(1)
					if c.limit == 3 {
						w = i%3 + 1
					}
					wg.Go(func() {
						for range n {
							s.Acquire(ctx, w)
							s.Release(w)
						}
					})
				}
				wg.Wait()
			})
		}
	}
}
