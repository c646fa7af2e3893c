package stream_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"testing/synctest"
	"time"

	"github.com/shio-rt/shio/stream"
)

// TestCancelledNextLosesNothing cancels a Next of each goroutine stage
// while its source is slow, then checks that draining the stream still
// yields every value.
func TestCancelledNextLosesNothing(t *testing.T) {
	slow := func() stream.Stream[int] {
		return stream.Generate(func(ctx context.Context, yield func(int) error) error {
			for i := range 3 {
				if err := yieldAfter(ctx, yield, i, time.Second); err != nil {
					return err
				}
			}
			return nil
		})
	}
	cases := []struct {
		name  string
		build func() stream.Stream[int]
	}{
		{"Generate", slow},
		{"Merge", func() stream.Stream[int] { return stream.Merge(slow(), stream.FromSlice([]int{10})) }},
		{"StreamMap", func() stream.Stream[int] {
			m := &stream.StreamMap[int, int]{}
			m.Insert(0, slow())
			return stream.Map[stream.Entry[int, int]](m, func(e stream.Entry[int, int]) int { return e.Value })
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				s := tc.build()
				var got []int
				for range 3 {
					ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
					v, err := s.Next(ctx)
					cancel()
					if err == nil {
						got = append(got, v)
					} else if !errors.Is(err, context.DeadlineExceeded) {
						t.Fatal(err)
					}
				}
				rest, err := stream.Collect(t.Context(), s)
				if err != nil {
					t.Fatal(err)
				}
				got = append(got, rest...)
				slices.Sort(got)
				want := []int{0, 1, 2}
				if tc.name == "Merge" {
					want = append(want, 10)
				}
				if !slices.Equal(got, want) {
					t.Errorf("got %v, want %v", got, want)
				}
			})
		})
	}
}

func yieldAfter(ctx context.Context, yield func(int) error, v int, d time.Duration) error {
	select {
	case <-time.After(d):
	case <-ctx.Done():
		return ctx.Err()
	}
	return yield(v)
}

func TestSyncChainDoesNotAllocatePerValue(t *testing.T) {
	i := 0
	src := stream.FromFunc(func(context.Context) (int, error) { i++; return i, nil }, nil)
	s := stream.Map(stream.Filter(stream.Map(src, func(v int) int { return v * 3 }),
		func(v int) bool { return v%2 == 0 }), func(v int) int { return v + 1 })
	ctx := context.Background()
	if n := testing.AllocsPerRun(1000, func() { s.Next(ctx) }); n != 0 {
		t.Errorf("%v allocations per value, want 0", n)
	}
}
