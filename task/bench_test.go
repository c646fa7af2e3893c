package task_test

import (
	"context"
	"sync"
	"testing"

	"github.com/shio-rt/shio/internal/obs"
	"github.com/shio-rt/shio/task"
)

// The baselines are the bare Go equivalents; bench/task compares with
// errgroup and conc.

func BenchmarkSpawnJoin(b *testing.B) {
	ctx := context.Background()
	b.Run("shio", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			h := task.Spawn(ctx, func(context.Context) (int, error) { return 1, nil })
			if _, err := h.Join(ctx); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("go+chan", func(b *testing.B) {
		b.ReportAllocs()
		type result struct {
			v   int
			err error
		}
		for b.Loop() {
			ch := make(chan result, 1)
			go func() { ch <- result{1, nil} }()
			if r := <-ch; r.err != nil {
				b.Fatal(r.err)
			}
		}
	})
}

const wide = 10_000

func BenchmarkSet10k(b *testing.B) {
	ctx := context.Background()
	b.Run("shio", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var s task.Set[int]
			for i := range wide {
				s.Spawn(ctx, func(context.Context) (int, error) { return i, nil })
			}
			for range wide {
				if _, err := s.Next(ctx); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
	b.Run("go+chan", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			ch := make(chan int, wide)
			for i := range wide {
				go func() { ch <- i }()
			}
			for range wide {
				<-ch
			}
		}
	})
}

func BenchmarkScope10k(b *testing.B) {
	ctx := context.Background()
	b.Run("shio", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_ = task.Scoped(ctx, func(ctx context.Context, s *task.Scope) error {
				for range wide {
					s.Go(func(context.Context) error { return nil })
				}
				return nil
			})
		}
	})
	b.Run("go+waitgroup", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var wg sync.WaitGroup
			for range wide {
				wg.Go(func() {})
			}
			wg.Wait()
		}
	})
}

// BenchmarkSpawnJoinLevels is spawn+join at each collection level, for the
// overhead table in docs/observability.md. Beside ns/op it reports the
// process's CPU time per operation (cpu-ns/op, user and system, on Unix),
// which a busy shared machine disturbs less than wall time.
func BenchmarkSpawnJoinLevels(b *testing.B) {
	ctx := context.Background()
	for _, l := range []obs.Level{obs.Off, obs.Counters, obs.Full} {
		b.Run(l.String(), func(b *testing.B) {
			obs.SetLevel(l)
			defer obs.SetLevel(obs.Off)
			b.ReportAllocs()
			cpu0 := processCPU()
			for b.Loop() {
				h := task.Spawn(ctx, func(context.Context) (int, error) { return 1, nil })
				if _, err := h.Join(ctx); err != nil {
					b.Fatal(err)
				}
			}
			if cpu1 := processCPU(); cpu0 >= 0 && cpu1 >= 0 {
				b.ReportMetric(float64(cpu1-cpu0)/float64(b.N), "cpu-ns/op")
			}
		})
	}
}
