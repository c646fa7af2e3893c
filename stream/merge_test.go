package stream_test

import (
	"slices"
	"testing"
	"testing/synctest"
	"time"

	"github.com/shio-rt/shio/stream"
	"github.com/shio-rt/shio/task"
)

func TestMergeYieldsEveryValueOfEveryInput(t *testing.T) {
	got, err := stream.Collect(t.Context(), stream.Merge(
		stream.FromSlice([]int{1, 2, 3}), stream.FromSlice([]int{10, 20}), stream.FromSlice[int](nil)))
	slices.Sort(got)
	if err != nil || !slices.Equal(got, []int{1, 2, 3, 10, 20}) {
		t.Errorf("got %v, %v", got, err)
	}
	if got, err := stream.Collect(t.Context(), stream.Merge[int]()); len(got) != 0 || err != nil {
		t.Errorf("empty Merge = %v, %v", got, err)
	}
}

func TestMergeFirstErrorEndsItAndStopsTheOthers(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := &blocker{}
		failing := delayed(time.Second)
		s := stream.Merge(stream.Stream[int](b), stream.Chain(failing, stream.FromFunc(func(ctxT) (int, error) { return 0, errBoom }, nil)))
		got, err := stream.Collect(t.Context(), s)
		if !slices.Equal(got, []int{0}) || err != errBoom || !b.closed.Load() {
			t.Errorf("got %v, %v, blocker closed %v; want [0], boom, true", got, err, b.closed.Load())
		}
	})
}

func TestMergePanicReachesConsumer(t *testing.T) {
	defer leakCheck(t)()
	s := stream.Merge(stream.Stream[int](&blocker{}), stream.Map(stream.FromSlice([]int{1}), func(int) int { panic("in merge") }))
	r := mustPanic(t, func() { stream.Collect(t.Context(), s) })
	if pe, ok := r.(*task.PanicError); !ok || pe.Value != "in merge" {
		t.Errorf("panic %v, want *task.PanicError(in merge)", r)
	}
}

func TestMergeServesReadyInputsInTurn(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		a, b, c := &counter{}, &counter{}, &counter{}
		tag := func(s stream.Stream[int], base int) stream.Stream[int] {
			return stream.Map(s, func(v int) int { return base + v })
		}
		s := stream.Merge(tag(a, 0), tag(b, 100), tag(c, 200))
		defer s.Close()
		var got []int
		for range 10 {
			v, err := s.Next(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, v/100)
			synctest.Wait() // every input has parked its next value
		}
		// The first value comes from whichever input was ready first; from
		// then on, with all ready, the inputs take turns.
		for i := 1; i < len(got); i++ {
			if got[i] != (got[i-1]+1)%3 {
				t.Fatalf("inputs served %v, not in turn", got)
			}
		}
	})
}
