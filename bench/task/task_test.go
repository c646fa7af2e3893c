// Package task_test compares shio's task package with errgroup, conc and a
// bare go statement, in one run:
//
//	cd bench && go test -run '^$' -bench . -benchmem -count 6 ./task/
package task_test

import (
	"context"
	"sync"
	"testing"

	"github.com/shio-rt/shio/task"
	"github.com/sourcegraph/conc"
	concpool "github.com/sourcegraph/conc/pool"
	"golang.org/x/sync/errgroup"
)

const wide = 10_000

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
	// shio-ctx is shio with a function that looks at its context (as most
	// do: a task's context is made only when first needed).
	b.Run("shio-ctx", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			h := task.Spawn(ctx, func(ctx context.Context) (int, error) {
				if ctx.Done() == nil {
					return 0, context.Canceled
				}
				return 1, nil
			})
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
	b.Run("errgroup", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var g errgroup.Group
			var v int
			g.Go(func() error { v = 1; return nil })
			if err := g.Wait(); err != nil || v != 1 {
				b.Fatal(err)
			}
		}
	})
}

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
	b.Run("conc-resultpool", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			p := concpool.NewWithResults[int]()
			for i := range wide {
				p.Go(func() int { return i })
			}
			if len(p.Wait()) != wide {
				b.Fatal("lost results")
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
	b.Run("errgroup", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			g, _ := errgroup.WithContext(ctx)
			for range wide {
				g.Go(func() error { return nil })
			}
			_ = g.Wait()
		}
	})
	b.Run("conc", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var wg conc.WaitGroup
			for range wide {
				wg.Go(func() {})
			}
			wg.Wait()
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

func BenchmarkScopeLimit10k(b *testing.B) {
	ctx := context.Background()
	b.Run("shio", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_ = task.Scoped(ctx, func(ctx context.Context, s *task.Scope) error {
				s.SetLimit(8)
				for range wide {
					s.Go(func(context.Context) error { return nil })
				}
				return nil
			})
		}
	})
	b.Run("errgroup", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			g, _ := errgroup.WithContext(ctx)
			g.SetLimit(8)
			for range wide {
				g.Go(func() error { return nil })
			}
			_ = g.Wait()
		}
	})
}
