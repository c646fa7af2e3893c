package stream_test

import (
	"context"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/shio-rt/shio/stream"
)

// leakCheck fails t if goroutines started during the test are still
// running; use it as defer leakCheck(t)() first thing in the test.
func leakCheck(t *testing.T) func() {
	opt := goleak.IgnoreCurrent()
	return func() {
		t.Helper()
		goleak.VerifyNone(t, opt)
	}
}

// TestEarlyStopStopsEverythingUpstream builds, for every combinator that
// runs goroutines, a pipeline over endless sources, breaks out of the loop
// after a few values, and checks that every source was closed and every
// goroutine has exited.
func TestEarlyStopStopsEverythingUpstream(t *testing.T) {
	id := func(_ context.Context, v int) (int, error) { return v, nil }
	cases := []struct {
		name  string
		build func(srcs []*counter) stream.Stream[int]
	}{
		{"Merge", func(c []*counter) stream.Stream[int] { return stream.Merge[int](c[0], c[1], &blocker{}) }},
		{"ChunksTimeout", func(c []*counter) stream.Stream[int] {
			return stream.Map(stream.ChunksTimeout[int](c[0], 4, time.Hour), func(ch []int) int { return ch[0] })
		}},
		{"MapConcurrent", func(c []*counter) stream.Stream[int] { return stream.MapConcurrent[int](c[0], 8, id) }},
		{"MapConcurrentUnordered", func(c []*counter) stream.Stream[int] {
			return stream.MapConcurrentUnordered[int](c[0], 8, id)
		}},
		{"StreamMap", func(c []*counter) stream.Stream[int] {
			m := &stream.StreamMap[int, int]{}
			m.Insert(0, c[0])
			m.Insert(1, c[1])
			return stream.Map[stream.Entry[int, int]](m, func(e stream.Entry[int, int]) int { return e.Value })
		}},
		{"nested", func(c []*counter) stream.Stream[int] {
			inner := stream.MapConcurrentUnordered(stream.Merge[int](c[0], c[1]), 3, id)
			return stream.MapConcurrent(stream.Throttle(inner, time.Microsecond), 2, id)
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			defer leakCheck(t)()
			srcs := []*counter{{}, {}}
			n := 0
			for _, err := range stream.All(t.Context(), tc.build(srcs)) {
				if err != nil {
					t.Fatal(err)
				}
				if n++; n == 5 {
					break
				}
			}
			for i, c := range srcs {
				if c.n > 0 && !c.closed.Load() {
					t.Errorf("source %d was read but not closed", i)
				}
			}
		})
	}
}
