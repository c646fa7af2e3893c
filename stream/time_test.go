package stream_test

import (
	"context"
	"errors"
	"io"
	"slices"
	"strconv"
	"testing"
	"testing/synctest"
	"time"

	"github.com/shio-rt/shio/stream"
	"github.com/shio-rt/shio/timer"
)

// delayed is a stream of 0, 1, 2, ... where value i becomes ready delays[i]
// after it is asked for; it ends after the last delay.
func delayed(delays ...time.Duration) stream.Stream[int] {
	i := 0
	return stream.FromFunc(func(ctx context.Context) (int, error) {
		if i == len(delays) {
			return 0, errEOF
		}
		if err := timer.Sleep(ctx, delays[i]); err != nil {
			return 0, err
		}
		i++
		return i - 1, nil
	}, nil)
}

func TestThrottleSpacesValuesAndNeverDrops(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		s := stream.Throttle(stream.FromSlice([]int{0, 1, 2, 3}), time.Second)
		var at []time.Duration
		var vals []int
		for v, err := range stream.All(t.Context(), s) {
			if err != nil {
				t.Fatal(err)
			}
			vals = append(vals, v)
			at = append(at, time.Since(start))
			if v == 1 {
				time.Sleep(3 * time.Second) // a slow consumer is not slowed further
			}
		}
		want := []time.Duration{0, time.Second, 4 * time.Second, 5 * time.Second}
		if !slices.Equal(vals, []int{0, 1, 2, 3}) || !slices.Equal(at, want) {
			t.Errorf("values %v at %v, want [0 1 2 3] at %v", vals, at, want)
		}
	})
}

func TestThrottleCancelledWaitLosesNothing(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := stream.Throttle(stream.FromSlice([]int{0, 1}), time.Second)
		defer s.Close()
		s.Next(t.Context())
		ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
		defer cancel()
		if _, err := s.Next(ctx); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("err = %v", err)
		}
		start := time.Now()
		if v, err := s.Next(t.Context()); v != 1 || err != nil || time.Since(start) != 700*time.Millisecond {
			t.Errorf("Next = %d, %v after %v; want 1 after the remaining 700ms", v, err, time.Since(start))
		}
	})
}

func TestTimeoutFailsSlowValuesAndGoesOn(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ch := make(chan int)
		start := time.Now()
		go func() {
			for i, at := range []time.Duration{1000, 4500, 5000} {
				time.Sleep(time.Until(start.Add(at * time.Millisecond)))
				ch <- i
			}
			close(ch)
		}()
		s := stream.Timeout(stream.FromChan(ch), 2*time.Second)
		var got []string
		for {
			v, err := s.Next(t.Context())
			if err == io.EOF {
				break
			}
			var te interface{ Timeout() bool }
			switch {
			case errors.As(err, &te) && te.Timeout() && errors.Is(err, context.DeadlineExceeded):
				got = append(got, "timeout@"+time.Since(start).String())
			case err != nil:
				t.Fatal(err)
			default:
				got = append(got, strconv.Itoa(v)+"@"+time.Since(start).String())
			}
		}
		s.Close()
		want := []string{"0@1s", "timeout@3s", "1@4.5s", "2@5s"}
		if !slices.Equal(got, want) {
			t.Errorf("got %v, want %v", got, want)
		}
	})
}

func TestChunksTimeoutFillsBySizeOrTime(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		ms := time.Millisecond
		src := delayed(10*ms, 10*ms, 10*ms, 10*ms, 10*ms, 500*ms, 10*ms)
		s := stream.ChunksTimeout(src, 3, 100*ms)
		type chunk struct {
			vals []int
			at   time.Duration
		}
		var got []chunk
		for c, err := range stream.All(t.Context(), s) {
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, chunk{c, time.Since(start) / ms})
		}
		// The reader runs ahead of the consumer: 3 and 4 arrive at 40 and 50ms
		// and their chunk closes 100ms after 3; 5 and 6 arrive at 550 and 560ms,
		// and the end at 560ms flushes them.
		want := []chunk{{[]int{0, 1, 2}, 30}, {[]int{3, 4}, 140}, {[]int{5, 6}, 560}}
		if len(got) != len(want) {
			t.Fatalf("got %v, want %v", got, want)
		}
		for i := range want {
			if !slices.Equal(got[i].vals, want[i].vals) || got[i].at != want[i].at {
				t.Errorf("chunk %d = %v at %vms, want %v at %vms", i, got[i].vals, got[i].at, want[i].vals, want[i].at)
			}
		}
	})
}

func TestChunksTimeoutYieldsPartialChunkBeforeError(t *testing.T) {
	s := stream.ChunksTimeout[int](&counter{fail: 5}, 3, time.Hour)
	got, err := stream.Collect(t.Context(), s)
	if len(got) != 2 || len(got[0]) != 3 || len(got[1]) != 2 || err != errBoom {
		t.Errorf("got %v, %v; want [[0 1 2] [3 4]] and boom", got, err)
	}
}

func TestChunksTimeoutCancelledNextKeepsPartialChunk(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ms := time.Millisecond
		s := stream.ChunksTimeout(delayed(10*ms, 10*ms, time.Hour), 10, 100*ms)
		defer s.Close()
		ctx, cancel := context.WithTimeout(t.Context(), 50*ms)
		defer cancel()
		if _, err := s.Next(ctx); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("err = %v", err)
		}
		start := time.Now()
		c, err := s.Next(t.Context())
		if !slices.Equal(c, []int{0, 1}) || err != nil || time.Since(start) != 60*ms {
			t.Errorf("Next = %v, %v after %v; want [0 1] at the chunk's own deadline, 60ms later", c, err, time.Since(start))
		}
	})
}

// TestAllYieldsTimeoutsAndGoesOn: a timeout leaves the stream usable (see
// Timeout), so All yields it and goes on; the values come after.
func TestAllYieldsTimeoutsAndGoesOn(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		ready := []time.Duration{10 * time.Millisecond, 300 * time.Millisecond, 310 * time.Millisecond}
		i := 0
		src := stream.FromFunc(func(ctx context.Context) (int, error) {
			if i == len(ready) {
				return 0, io.EOF
			}
			if err := timer.SleepUntil(ctx, start.Add(ready[i])); err != nil {
				return 0, err
			}
			i++
			return i - 1, nil
		}, nil)
		var got []string
		for v, err := range stream.All(t.Context(), stream.Timeout(src, 100*time.Millisecond)) {
			var te *timer.TimeoutError
			switch {
			case errors.As(err, &te):
				got = append(got, "timeout")
			case err != nil:
				t.Fatalf("All yielded %v", err)
			default:
				got = append(got, strconv.Itoa(v))
			}
		}
		if want := []string{"0", "timeout", "timeout", "1", "2"}; !slices.Equal(got, want) {
			t.Fatalf("All = %v; want %v", got, want)
		}
	})
}
