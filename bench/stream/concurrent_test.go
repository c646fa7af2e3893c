package stream_test

import (
	"context"
	"testing"

	"golang.org/x/sync/errgroup"

	"github.com/shio-rt/shio/stream"
)

const (
	batch = 1000 // items per b.Loop iteration
	limit = 8
)

// work is a small CPU-bound task (~100-200ns), so that the figures show
// each tool's overhead per item rather than the work.
func work(x int) int {
	for range 64 {
		x = x*1664525 + 1013904223
	}
	return x
}

// BenchmarkMapUnordered runs batch items through a limit-8 concurrent map:
// shio's MapConcurrentUnordered drained by Collect, against errgroup with
// SetLimit(8) storing results into a slice. ns/op is per batch; the
// ns/item metric divides it.
func BenchmarkMapUnordered(b *testing.B) {
	items := make([]int, batch)
	for i := range items {
		items[i] = i
	}
	b.Run("shio", func(b *testing.B) {
		b.ReportAllocs()
		ctx := context.Background()
		f := func(_ context.Context, x int) (int, error) { return work(x), nil }
		for b.Loop() {
			out, err := stream.Collect(ctx, stream.MapConcurrentUnordered(stream.FromSlice(items), limit, f))
			if err != nil || len(out) != batch {
				b.Fatal(err, len(out))
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*batch), "ns/item")
	})
	b.Run("errgroup", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			out := make([]int, batch)
			var g errgroup.Group
			g.SetLimit(limit)
			for i, x := range items {
				g.Go(func() error {
					out[i] = work(x)
					return nil
				})
			}
			if err := g.Wait(); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*batch), "ns/item")
	})
}
