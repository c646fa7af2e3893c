package stream_test

import (
	"context"
	"errors"
	"io"
	"slices"
	"testing"
	"testing/synctest"
	"time"

	"github.com/shio-rt/shio/stream"
	"github.com/shio-rt/shio/task"
	"github.com/shio-rt/shio/timer"
)

func TestFromSliceYieldsEveryElementThenEOF(t *testing.T) {
	s := stream.FromSlice([]int{1, 2, 3})
	got, err := stream.Collect(t.Context(), s)
	if err != nil || !slices.Equal(got, []int{1, 2, 3}) {
		t.Fatalf("Collect = %v, %v", got, err)
	}
	if _, err := s.Next(t.Context()); !errors.Is(err, stream.ErrClosed) {
		t.Errorf("Next after Close = %v, want ErrClosed", err)
	}
}

func TestFromSeqCloseStopsTheSequence(t *testing.T) {
	stopped := false
	seq := func(yield func(int) bool) {
		defer func() { stopped = true }()
		for i := 0; ; i++ {
			if !yield(i) {
				return
			}
		}
	}
	got, err := stream.Collect(t.Context(), stream.Take(stream.FromSeq(seq), 3))
	if err != nil || !slices.Equal(got, []int{0, 1, 2}) {
		t.Fatalf("Collect = %v, %v", got, err)
	}
	if !stopped {
		t.Error("the sequence was not stopped by Close")
	}
}

func TestFromChanCancelledNextLosesNothing(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ch := make(chan int)
		s := stream.FromChan(ch)
		defer s.Close()
		ctx, cancel := context.WithTimeout(t.Context(), time.Second)
		defer cancel()
		if _, err := s.Next(ctx); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("err = %v", err)
		}
		go func() { ch <- 5; close(ch) }()
		if v, err := s.Next(t.Context()); v != 5 || err != nil {
			t.Errorf("Next = %d, %v; want 5", v, err)
		}
		if _, err := s.Next(t.Context()); err != io.EOF {
			t.Errorf("after close(ch): %v, want EOF", err)
		}
	})
}

func TestFromFuncErrorIsSticky(t *testing.T) {
	calls := 0
	closes := 0
	s := stream.FromFunc(func(context.Context) (int, error) {
		calls++
		return 0, errBoom
	}, func() error { closes++; return nil })
	for range 3 {
		if _, err := s.Next(t.Context()); err != errBoom {
			t.Fatalf("err = %v, want boom", err)
		}
	}
	s.Close()
	s.Close()
	if calls != 1 || closes != 1 {
		t.Errorf("next called %d times, close %d; want 1 and 1", calls, closes)
	}
}

func TestGenerateHasBackpressureOfOneValue(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		produced := 0
		s := stream.Generate(func(ctx context.Context, yield func(int) error) error {
			for i := 0; ; i++ {
				if err := yield(i); err != nil {
					return err
				}
				produced++
			}
		})
		for want := range 3 {
			if v, err := s.Next(t.Context()); v != want || err != nil {
				t.Fatalf("Next = %d, %v; want %d", v, err, want)
			}
		}
		synctest.Wait()
		if produced != 3 {
			t.Errorf("generator ran %d values ahead of 3 taken", produced)
		}
		if err := s.Close(); err != nil {
			t.Error(err)
		}
	})
}

func TestGenerateReportsErrorAndPanic(t *testing.T) {
	s := stream.Generate(func(ctx context.Context, yield func(int) error) error {
		yield(1)
		return errBoom
	})
	got, err := stream.Collect(t.Context(), s)
	if !slices.Equal(got, []int{1}) || err != errBoom {
		t.Errorf("Collect = %v, %v; want [1], boom", got, err)
	}
	p := stream.Generate(func(ctx context.Context, yield func(int) error) error { panic("gen") })
	r := mustPanic(t, func() { stream.Collect(t.Context(), p) })
	if pe, ok := r.(*task.PanicError); !ok || pe.Value != "gen" || len(pe.Stack) == 0 {
		t.Errorf("panic = %v, want *task.PanicError with value gen and a stack", r)
	}
}

func TestGenerateEarlyStopEndsTheGoroutine(t *testing.T) {
	defer leakCheck(t)()
	s := stream.Generate(func(ctx context.Context, yield func(int) error) error {
		for i := 0; ; i++ {
			if err := yield(i); err != nil {
				return err
			}
		}
	})
	for v := range stream.All(t.Context(), s) {
		if v == 10 {
			break
		}
	}
}

func TestFromIntervalTicksEveryPeriod(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		iv := timer.NewInterval(time.Second, timer.IntervalConfig{})
		var at []time.Duration
		for tk, err := range stream.All(t.Context(), stream.Take(stream.FromInterval(iv), 3)) {
			if err != nil {
				t.Fatal(err)
			}
			at = append(at, time.Since(start))
			if tk.Scheduled.Sub(start) != time.Since(start) {
				t.Errorf("tick scheduled %v delivered %v", tk.Scheduled.Sub(start), time.Since(start))
			}
		}
		if want := []time.Duration{time.Second, 2 * time.Second, 3 * time.Second}; !slices.Equal(at, want) {
			t.Errorf("ticks at %v, want %v", at, want)
		}
		if _, err := iv.Tick(t.Context()); !errors.Is(err, timer.ErrStopped) {
			t.Errorf("interval not stopped by closing the stream: %v", err)
		}
	})
}
