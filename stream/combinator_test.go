package stream_test

import (
	"context"
	"io"
	"slices"
	"strconv"
	"testing"

	"pgregory.net/rapid"

	"github.com/shio-rt/shio/stream"
)

// TestSyncCombinatorsMatchSliceModelProperty applies a random chain of the
// goroutine-free combinators to a random slice and compares the result
// with the same operations on a plain slice.
func TestSyncCombinatorsMatchSliceModelProperty(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		xs := rapid.SliceOf(rapid.IntRange(-50, 50)).Draw(rt, "xs")
		s := stream.FromSlice(slices.Clone(xs))
		model := slices.Clone(xs)
		steps := rapid.SliceOfN(rapid.IntRange(0, 7), 0, 6).Draw(rt, "steps")
		for _, step := range steps {
			n := rapid.IntRange(0, 10).Draw(rt, "n")
			switch step {
			case 0:
				s = stream.Map(s, func(v int) int { return v*3 + 1 })
				model = mapSlice(model, func(v int) int { return v*3 + 1 })
			case 1:
				s = stream.Filter(s, func(v int) bool { return v%2 == 0 })
				model = slices.DeleteFunc(model, func(v int) bool { return v%2 != 0 })
			case 2:
				s = stream.FilterMap(s, func(v int) (int, bool) { return -v, v > 0 })
				model = mapSlice(slices.DeleteFunc(model, func(v int) bool { return v <= 0 }), func(v int) int { return -v })
			case 3:
				s = stream.Take(s, n)
				model = model[:min(n, len(model))]
			case 4:
				s = stream.Skip(s, n)
				model = model[min(n, len(model)):]
			case 5:
				s = stream.TakeWhile(s, func(v int) bool { return v < 20 })
				if i := slices.IndexFunc(model, func(v int) bool { return v >= 20 }); i >= 0 {
					model = model[:i]
				}
			case 6:
				s = stream.Chain(s, stream.FromSlice([]int{n}))
				model = append(model, n)
			case 7:
				s = stream.TryMap(s, func(_ context.Context, v int) (int, error) { return v - 1, nil })
				model = mapSlice(model, func(v int) int { return v - 1 })
			}
		}
		got, err := stream.Collect(context.Background(), s)
		if err != nil {
			rt.Fatal(err)
		}
		if !slices.Equal(got, model) && !(len(got) == 0 && len(model) == 0) {
			rt.Fatalf("got %v, want %v", got, model)
		}
	})
}

func mapSlice(xs []int, f func(int) int) []int {
	out := make([]int, len(xs))
	for i, x := range xs {
		out[i] = f(x)
	}
	return out
}

func TestTakeClosesUpstreamAsSoonAsItHasN(t *testing.T) {
	c := &counter{}
	s := stream.Take[int](c, 2)
	s.Next(t.Context())
	if c.closed.Load() {
		t.Fatal("closed after 1 of 2")
	}
	s.Next(t.Context())
	if !c.closed.Load() {
		t.Error("not closed after the 2nd value")
	}
	if _, err := s.Next(t.Context()); err != io.EOF {
		t.Errorf("after n: %v, want EOF", err)
	}
}

func TestTakeWhileClosesUpstreamAtFirstReject(t *testing.T) {
	c := &counter{}
	got, _ := stream.Collect(t.Context(), stream.TakeWhile[int](c, func(v int) bool { return v < 3 }))
	if !slices.Equal(got, []int{0, 1, 2}) || !c.closed.Load() {
		t.Errorf("got %v, closed %v", got, c.closed.Load())
	}
}

func TestChainClosesEachInputWhenItEnds(t *testing.T) {
	a := &counter{fail: 0}
	first := stream.Take[int](a, 1)
	b := &counter{}
	s := stream.Chain(first, stream.Take[int](b, 5))
	s.Next(t.Context())
	s.Next(t.Context()) // first ended: it is closed, b starts
	if !a.closed.Load() || b.closed.Load() {
		t.Errorf("a closed %v, b closed %v; want true, false", a.closed.Load(), b.closed.Load())
	}
	s.Close()
	if !b.closed.Load() {
		t.Error("Close did not close the remaining input")
	}
}

func TestTryMapErrorEndsTheStream(t *testing.T) {
	s := stream.TryMap(stream.FromSlice([]string{"1", "x", "3"}), func(_ context.Context, v string) (int, error) {
		return strconv.Atoi(v)
	})
	got, err := stream.Collect(t.Context(), s)
	if !slices.Equal(got, []int{1}) || err == nil {
		t.Errorf("got %v, %v; want [1] and a parse error", got, err)
	}
	if _, err2 := s.Next(t.Context()); err2 == nil {
		t.Error("stream went on after its error")
	}
}

func TestSyncStagePanicsReachTheConsumer(t *testing.T) {
	s := stream.Map(stream.FromSlice([]int{1}), func(int) int { panic("map") })
	if r := mustPanic(t, func() { stream.Collect(t.Context(), s) }); r != "map" {
		t.Errorf("panic %v, want map", r)
	}
}
