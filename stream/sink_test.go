package stream_test

import (
	"context"
	"errors"
	"testing"

	"github.com/shio-rt/shio/stream"
)

func TestFoldSums(t *testing.T) {
	sum, err := stream.Fold(t.Context(), stream.FromSlice([]int{1, 2, 3, 4}), 10, func(a, v int) int { return a + v })
	if sum != 20 || err != nil {
		t.Errorf("Fold = %d, %v; want 20", sum, err)
	}
}

func TestForEachStopsAtFnErrorAndCloses(t *testing.T) {
	c := &counter{}
	seen := 0
	err := stream.ForEach(t.Context(), c, func(v int) error {
		seen++
		if v == 4 {
			return errBoom
		}
		return nil
	})
	if err != errBoom || seen != 5 || !c.closed.Load() {
		t.Errorf("err = %v, seen %d, closed %v; want boom, 5, true", err, seen, c.closed.Load())
	}
}

func TestCollectReturnsStreamErrorWithValuesSoFar(t *testing.T) {
	got, err := stream.Collect(t.Context(), &counter{fail: 3})
	if len(got) != 3 || err != errBoom {
		t.Errorf("Collect = %v, %v; want 3 values and boom", got, err)
	}
}

func TestCollectCancelledClosesTheStream(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	b := &blocker{}
	if _, err := stream.Collect(ctx, b); !errors.Is(err, context.Canceled) || !b.closed.Load() {
		t.Errorf("err = %v, closed %v", err, b.closed.Load())
	}
}

func TestAllBreakClosesAndErrorsComeLast(t *testing.T) {
	c := &counter{}
	for v, err := range stream.All(t.Context(), c) {
		if err != nil {
			t.Fatal(err)
		}
		if v == 2 {
			break
		}
	}
	if !c.closed.Load() {
		t.Error("break did not close the stream")
	}
	var vals []int
	var errs []error
	for v, err := range stream.All(t.Context(), stream.Stream[int](&counter{fail: 2})) {
		if err != nil {
			errs = append(errs, err)
			continue
		}
		vals = append(vals, v)
	}
	if len(vals) != 2 || len(errs) != 1 || errs[0] != errBoom {
		t.Errorf("values %v errors %v; want 2 values then boom", vals, errs)
	}
}
