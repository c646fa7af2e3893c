package task_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/shio-rt/shio/task"
)

// The task's context is made on demand. These tests pin down that, however
// late it is first looked at, it behaves as a context.WithCancelCause of the
// parent that Abort cancels with ErrAborted and the task's return cancels
// with no cause.

type ctxKey struct{}

func TestTaskContextLookedAtAfterFinish(t *testing.T) {
	parent := context.WithValue(context.Background(), ctxKey{}, "v")
	var got context.Context
	h := task.Spawn(parent, func(ctx context.Context) (int, error) { got = ctx; return 0, nil })
	if _, err := h.Join(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := got.Err(); err != context.Canceled {
		t.Fatalf("Err after the task returned = %v; want context.Canceled", err)
	}
	select {
	case <-got.Done():
	default:
		t.Fatal("Done not closed after the task returned")
	}
	if c := context.Cause(got); c != context.Canceled {
		t.Fatalf("Cause after the task returned = %v; want context.Canceled", c)
	}
	if v := got.Value(ctxKey{}); v != "v" {
		t.Fatalf("Value = %v; want the parent's", v)
	}
	if i, ok := task.Current(got); !ok || i.ID != h.ID() {
		t.Fatalf("Current = %v, %v; want the task", i, ok)
	}
}

func TestTaskContextLookedAtAfterAbort(t *testing.T) {
	release := make(chan struct{})
	ctxs := make(chan context.Context, 1)
	h := task.Spawn(context.Background(), func(ctx context.Context) (int, error) {
		ctxs <- ctx
		<-release
		return 0, nil
	})
	ctx := <-ctxs
	if err := ctx.Err(); err != nil {
		t.Fatalf("Err of a running task = %v", err)
	}
	if !h.Abort() {
		t.Fatal("Abort had no effect")
	}
	// Abort has returned: the context is done whatever is asked first.
	if err := ctx.Err(); err != context.Canceled {
		t.Fatalf("Err after Abort = %v; want context.Canceled", err)
	}
	if c := context.Cause(ctx); c != task.ErrAborted {
		t.Fatalf("Cause after Abort = %v; want ErrAborted", c)
	}
	<-ctx.Done()
	close(release)
	if _, err := h.Join(context.Background()); err != task.ErrAborted {
		t.Fatalf("Join = %v; want ErrAborted", err)
	}
	if c := context.Cause(ctx); c != task.ErrAborted {
		t.Fatalf("Cause after finish = %v; want ErrAborted still", c)
	}
}

func TestTaskContextDerivedBeforeAbort(t *testing.T) {
	ctxs := make(chan context.Context, 1)
	h := task.Spawn(context.Background(), func(ctx context.Context) (int, error) {
		child, cancel := context.WithTimeout(ctx, time.Hour)
		defer cancel()
		ctxs <- child
		<-child.Done()
		return 0, context.Cause(child)
	})
	child := <-ctxs
	h.Abort()
	if _, err := h.Join(context.Background()); err != task.ErrAborted {
		t.Fatalf("Join = %v; want ErrAborted", err)
	}
	if c := context.Cause(child); c != task.ErrAborted {
		t.Fatalf("Cause of a derived context = %v; want ErrAborted", c)
	}
}

func TestTaskContextParentCancelledFirst(t *testing.T) {
	parent, cancel := context.WithCancelCause(context.Background())
	release := make(chan struct{})
	ctxs := make(chan context.Context, 1)
	h := task.Spawn(parent, func(ctx context.Context) (int, error) {
		ctxs <- ctx
		<-release
		return 0, nil
	})
	ctx := <-ctxs
	cancel(errBoom)
	if err := ctx.Err(); err != context.Canceled {
		t.Fatalf("Err after the parent was cancelled = %v; want context.Canceled", err)
	}
	<-ctx.Done()
	if c := context.Cause(ctx); c != errBoom {
		t.Fatalf("Cause = %v; want the parent's", c)
	}
	close(release)
	if _, err := h.Join(context.Background()); err != nil {
		t.Fatalf("Join = %v", err)
	}
}

func TestTaskContextDeadlineIsTheParents(t *testing.T) {
	parent, cancel := context.WithDeadline(context.Background(), time.Now().Add(time.Hour))
	defer cancel()
	want, _ := parent.Deadline()
	h := task.Spawn(parent, func(ctx context.Context) (time.Time, error) {
		d, ok := ctx.Deadline()
		if !ok {
			return time.Time{}, errors.New("no deadline")
		}
		return d, nil
	})
	if d, err := h.Join(context.Background()); err != nil || !d.Equal(want) {
		t.Fatalf("Deadline = %v, %v; want %v", d, err, want)
	}
}

// TestTaskContextRaces runs the first look at the context against Abort and
// the task's return, for the race detector and for the invariant that once
// Abort has returned true the context is done with cause ErrAborted.
func TestTaskContextRaces(t *testing.T) {
	for i := range 300 {
		var ctx context.Context
		ready := make(chan struct{})
		h := task.Spawn(context.Background(), func(c context.Context) (int, error) {
			ctx = c
			close(ready)
			if i%3 == 0 {
				<-c.Done()
			}
			return 0, nil
		})
		<-ready
		var wg sync.WaitGroup
		wg.Go(func() { <-ctx.Done() })
		wg.Go(func() { _ = context.Cause(ctx) })
		aborted := h.Abort()
		if aborted {
			if ctx.Err() == nil {
				t.Fatal("Err is nil after Abort returned true")
			}
			if c := context.Cause(ctx); c != task.ErrAborted {
				t.Fatalf("Cause after Abort = %v; want ErrAborted", c)
			}
		}
		if _, err := h.Join(context.Background()); aborted != (err == task.ErrAborted) {
			t.Fatalf("Abort = %v but Join = %v", aborted, err)
		}
		wg.Wait()
		if c := context.Cause(ctx); aborted && c != task.ErrAborted || !aborted && c != context.Canceled {
			t.Fatalf("Cause after finish = %v (aborted %v)", c, aborted)
		}
	}
}

func TestSetTaskContextAborted(t *testing.T) {
	var s task.Set[int]
	ctxs := make(chan context.Context, 1)
	release := make(chan struct{})
	s.Spawn(context.Background(), func(ctx context.Context) (int, error) {
		ctxs <- ctx
		<-release
		return 1, nil
	})
	ctx := <-ctxs
	s.AbortAll()
	if c := context.Cause(ctx); c != task.ErrAborted {
		t.Fatalf("Cause after AbortAll = %v; want ErrAborted", c)
	}
	close(release)
	if r, err := s.Next(context.Background()); err != nil || r.Err != task.ErrAborted {
		t.Fatalf("Next = %+v, %v; want ErrAborted", r, err)
	}
}
