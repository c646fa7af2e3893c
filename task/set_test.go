package task_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"testing/synctest"
	"time"

	"github.com/shio-rt/shio/task"
	"pgregory.net/rapid"
)

// TestSetYieldsCompletionOrder releases tasks one at a time in a random
// order, spawning more into the set while it is drained, and checks that
// Next returns exactly the task just released.
func TestSetYieldsCompletionOrder(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		var s task.Set[int]
		ctx := context.Background()
		gates := map[int]chan struct{}{}
		spawn := func(k int) {
			g := make(chan struct{})
			gates[k] = g
			s.Spawn(ctx, func(context.Context) (int, error) {
				<-g
				return k, nil
			})
		}
		next := 0
		for range rapid.IntRange(1, 8).Draw(rt, "initial") {
			spawn(next)
			next++
		}
		for len(gates) > 0 {
			if next < 30 && rapid.Bool().Draw(rt, "spawn more") {
				spawn(next)
				next++
			}
			keys := make([]int, 0, len(gates))
			for k := range gates {
				keys = append(keys, k)
			}
			slices.Sort(keys) // map order is random; sort for a reproducible draw
			k := rapid.SampledFrom(keys).Draw(rt, "release")
			close(gates[k])
			delete(gates, k)
			r, err := s.Next(ctx)
			if err != nil || r.Value != k {
				rt.Fatalf("Next = %v, %v; want task %d, the only one released", r.Value, err, k)
			}
			if got, want := s.Len(), len(gates); got != want {
				rt.Fatalf("Len = %d; want %d", got, want)
			}
		}
		if _, err := s.Next(ctx); err != task.ErrEmpty {
			rt.Fatalf("Next on a drained set = %v; want ErrEmpty", err)
		}
	})
}

func TestSetNextOnEmpty(t *testing.T) {
	var s task.Set[string]
	if _, err := s.Next(context.Background()); err != task.ErrEmpty {
		t.Fatalf("Next on a zero Set = %v; want ErrEmpty", err)
	}
}

func TestSetTryNextReportsEmptyNotFinishedThenResult(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var s task.Set[int]
		if _, err := s.TryNext(); err != task.ErrEmpty {
			t.Fatalf("TryNext on a zero Set = %v; want ErrEmpty", err)
		}
		s.Spawn(t.Context(), func(context.Context) (int, error) {
			time.Sleep(time.Minute)
			return 7, nil
		})
		if _, err := s.TryNext(); err != task.ErrNotFinished {
			t.Fatalf("TryNext with a running task = %v; want ErrNotFinished", err)
		}
		time.Sleep(2 * time.Minute)
		synctest.Wait()
		if r, err := s.TryNext(); err != nil || r.Value != 7 {
			t.Fatalf("TryNext after the task finished = %v, %v; want 7, nil", r.Value, err)
		}
		if _, err := s.TryNext(); err != task.ErrEmpty {
			t.Fatalf("TryNext on a drained Set = %v; want ErrEmpty", err)
		}
	})
}

func TestSetNextCancelledConsumesNothing(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var s task.Set[int]
		s.Spawn(t.Context(), func(context.Context) (int, error) {
			time.Sleep(time.Hour)
			return 1, nil
		})
		ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
		defer cancel()
		if _, err := s.Next(ctx); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Next = %v; want DeadlineExceeded", err)
		}
		if s.Len() != 1 {
			t.Fatalf("Len after a cancelled Next = %d; want 1", s.Len())
		}
		r, err := s.Next(t.Context())
		if err != nil || r.Value != 1 {
			t.Fatalf("Next = %v, %v; want 1", r.Value, err)
		}
	})
}

func TestSetCapturesPanicAndAbort(t *testing.T) {
	var s task.Set[int]
	ctx := context.Background()
	id := s.SpawnNamed(ctx, "p", panicky)
	r, err := s.Next(ctx)
	var p *task.PanicError
	if err != nil || !errors.As(r.Err, &p) || r.Info.ID != id || r.Info.Name != "p" {
		t.Fatalf("Next = %+v, %v; want the panic of task %d", r, err, id)
	}
	started := make(chan struct{})
	s.Spawn(ctx, func(ctx context.Context) (int, error) {
		close(started)
		<-ctx.Done()
		return 5, ctx.Err()
	})
	<-started
	s.AbortAll()
	r, err = s.Next(ctx)
	if err != nil || r.Err != task.ErrAborted || r.Value != 0 {
		t.Fatalf("Next after AbortAll = %+v, %v; want ErrAborted", r, err)
	}
}

func TestSetShutdownAbortsAndWaits(t *testing.T) {
	var s task.Set[int]
	stopped := make(chan int, 100)
	for i := range 100 {
		s.Spawn(context.Background(), func(ctx context.Context) (int, error) {
			<-ctx.Done()
			stopped <- i
			return i, nil
		})
	}
	if err := s.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if len(stopped) != 100 || s.Len() != 0 {
		t.Fatalf("after Shutdown: %d tasks stopped, Len %d; want 100, 0", len(stopped), s.Len())
	}
}

func TestSetShutdownCancelled(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var s task.Set[int]
		s.Spawn(t.Context(), func(ctx context.Context) (int, error) {
			time.Sleep(time.Hour) // ignores its context
			return 0, nil
		})
		ctx, cancel := context.WithTimeout(t.Context(), time.Second)
		defer cancel()
		if err := s.Shutdown(ctx); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Shutdown = %v; want DeadlineExceeded", err)
		}
		if err := s.Shutdown(t.Context()); err != nil {
			t.Fatalf("second Shutdown = %v", err)
		}
	})
}

// TestSetConcurrentNextCallsAllReturn parks several Next calls on one set:
// the results go to one caller each, and once the set is empty every other
// waiter returns ErrEmpty rather than waiting on.
func TestSetConcurrentNextCallsAllReturn(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var s task.Set[int]
		release := make(chan struct{})
		for i := range 2 {
			s.Spawn(t.Context(), func(context.Context) (int, error) {
				<-release
				return i, nil
			})
		}
		const waiters = 5
		type out struct {
			v   int
			err error
		}
		outs := make(chan out, waiters)
		for range waiters {
			go func() {
				r, err := s.Next(context.Background())
				outs <- out{r.Value, err}
			}()
		}
		synctest.Wait() // every Next is parked
		close(release)
		got := map[int]bool{}
		empty := 0
		for range waiters {
			o := <-outs
			switch {
			case o.err == task.ErrEmpty:
				empty++
			case o.err != nil:
				t.Fatalf("Next = %v", o.err)
			case got[o.v]:
				t.Fatalf("result %d returned twice", o.v)
			default:
				got[o.v] = true
			}
		}
		if len(got) != 2 || empty != waiters-2 {
			t.Fatalf("results %v and %d ErrEmpty; want both results and %d ErrEmpty", got, empty, waiters-2)
		}
	})
}

// TestSetCancelledWaiterPassesNoResultBy cancels one of two parked Next
// calls: the other still gets the result.
func TestSetCancelledWaiterPassesNoResultBy(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var s task.Set[int]
		release := make(chan struct{})
		s.Spawn(t.Context(), func(context.Context) (int, error) {
			<-release
			return 9, nil
		})
		ctx, cancel := context.WithCancel(t.Context())
		errs := make(chan error, 1)
		go func() {
			_, err := s.Next(ctx)
			errs <- err
		}()
		vals := make(chan int, 1)
		go func() {
			r, err := s.Next(context.Background())
			if err != nil {
				t.Error(err)
			}
			vals <- r.Value
		}()
		synctest.Wait()
		cancel()
		if err := <-errs; err != context.Canceled {
			t.Fatalf("cancelled Next = %v", err)
		}
		close(release)
		if v := <-vals; v != 9 {
			t.Fatalf("Next = %d; want 9", v)
		}
	})
}
