package stream_test

import (
	"context"
	"slices"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"pgregory.net/rapid"

	"github.com/shio-rt/shio/stream"
	"github.com/shio-rt/shio/task"
	"github.com/shio-rt/shio/timer"
)

type concurrentMap func(stream.Stream[int], int, func(context.Context, int) (int, error)) stream.Stream[int]

var concurrentMaps = []struct {
	name    string
	f       concurrentMap
	ordered bool
}{
	{"ordered", stream.MapConcurrent[int, int], true},
	{"unordered", stream.MapConcurrentUnordered[int, int], false},
}

// TestConcurrentMapsProperty checks, for random work durations and limits,
// that the limit is never exceeded and that every result is yielded exactly
// when a simulation of the documented schedule says: a call starts as soon
// as a slot is free, a slot is held from pulling a value until its result
// is taken, the ordered map yields in input order, the unordered map as
// calls finish. The consumer is instantaneous.
func TestConcurrentMapsProperty(t *testing.T) {
	for _, cm := range concurrentMaps {
		t.Run(cm.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				rapid.Check(inBubble(t), func(rt *rapid.T) {
					limit := rapid.IntRange(1, 5).Draw(rt, "limit")
					work := rapid.SliceOfN(rapid.IntRange(1, 9), 0, 30).Draw(rt, "work")
					idx := make([]int, len(work))
					for i := range idx {
						idx[i] = i
					}
					var running, peak atomic.Int64
					start := time.Now()
					f := func(ctx context.Context, i int) (int, error) {
						peak.Store(max(peak.Load(), running.Add(1)))
						defer running.Add(-1)
						return i, timer.Sleep(ctx, time.Duration(work[i])*time.Second)
					}
					var got []int
					var at []int
					for v, err := range stream.All(context.Background(), cm.f(stream.FromSlice(idx), limit, f)) {
						if err != nil {
							rt.Fatal(err)
						}
						got = append(got, v)
						at = append(at, int(time.Since(start)/time.Second))
					}
					if peak.Load() > int64(limit) {
						rt.Fatalf("%d calls ran at once, limit %d", peak.Load(), limit)
					}
					if sorted := slices.Sorted(slices.Values(got)); len(idx) > 0 && !slices.Equal(sorted, idx) {
						rt.Fatalf("results %v are not each input once", got)
					}
					if cm.ordered && len(idx) > 0 && !slices.Equal(got, idx) {
						rt.Fatalf("ordered map yielded %v", got)
					}
					if want := schedule(work, limit, cm.ordered); !slices.Equal(at, want) && len(work) > 0 {
						rt.Fatalf("yielded at %v, schedule says %v", at, want)
					}
				})
			})
		})
	}
}

// schedule simulates the documented schedule and returns the yield times.
func schedule(work []int, limit int, ordered bool) []int {
	if ordered {
		yield := make([]int, len(work))
		for i, w := range work {
			start := 0
			if i >= limit {
				start = yield[i-limit] // the slot of value i-limit frees when it is taken
			}
			yield[i] = start + w
			if i > 0 {
				yield[i] = max(yield[i], yield[i-1])
			}
		}
		return yield
	}
	var running, done []int // finish times
	for _, w := range work {
		start := 0
		if len(running) == limit {
			slices.Sort(running)
			start, running = running[0], running[1:]
			done = append(done, start)
		}
		running = append(running, start+w)
	}
	done = append(done, running...)
	slices.Sort(done)
	return done
}

func TestConcurrentMapsErrorEndsStreamAndCancelsWork(t *testing.T) {
	for _, cm := range concurrentMaps {
		t.Run(cm.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				c := &counter{}
				var started, cancelled atomic.Int64
				f := func(ctx context.Context, v int) (int, error) {
					if v == 3 {
						return 0, errBoom
					}
					started.Add(1)
					if err := timer.Sleep(ctx, time.Hour); err != nil {
						cancelled.Add(1)
						return 0, err
					}
					return v, nil
				}
				start := time.Now()
				got, err := stream.Collect(t.Context(), cm.f(c, 4, f))
				// The unordered map reports the error at once; the ordered one
				// in its place, after 0, 1 and 2 finish.
				wantGot, wantAt, wantDone := []int(nil), time.Duration(0), int64(0)
				if cm.ordered {
					wantGot, wantAt, wantDone = []int{0, 1, 2}, time.Hour, 3
				}
				if err != errBoom || !slices.Equal(got, wantGot) || time.Since(start) != wantAt {
					t.Errorf("got %v, %v after %v; want %v, boom after %v", got, err, time.Since(start), wantGot, wantAt)
				}
				if started.Load()-cancelled.Load() != wantDone || !c.closed.Load() {
					t.Errorf("%d calls started, %d cancelled, source closed %v; want every unfinished call cancelled", started.Load(), cancelled.Load(), c.closed.Load())
				}
			})
		})
	}
}

func TestConcurrentMapsPanicReachesConsumer(t *testing.T) {
	for _, cm := range concurrentMaps {
		t.Run(cm.name, func(t *testing.T) {
			defer leakCheck(t)()
			f := func(_ context.Context, v int) (int, error) {
				if v == 2 {
					panic("worker")
				}
				return v, nil
			}
			r := mustPanic(t, func() { stream.Collect(t.Context(), cm.f(&counter{}, 3, f)) })
			if pe, ok := r.(*task.PanicError); !ok || pe.Value != "worker" {
				t.Errorf("panic %v, want *task.PanicError(worker)", r)
			}
		})
	}
}

func TestConcurrentMapsCancelledNextLosesNothing(t *testing.T) {
	for _, cm := range concurrentMaps {
		t.Run(cm.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				f := func(ctx context.Context, v int) (int, error) {
					return v, timer.Sleep(ctx, time.Second)
				}
				s := cm.f(stream.FromSlice([]int{0, 1, 2}), 2, f)
				ctx, cancel := context.WithTimeout(t.Context(), 500*time.Millisecond)
				defer cancel()
				if _, err := s.Next(ctx); err == nil {
					t.Fatal("Next returned before any call finished")
				}
				got, err := stream.Collect(t.Context(), s)
				slices.Sort(got)
				if err != nil || !slices.Equal(got, []int{0, 1, 2}) {
					t.Errorf("after a cancelled Next: %v, %v; want all of [0 1 2]", got, err)
				}
			})
		})
	}
}
