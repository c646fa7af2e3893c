package task_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/shio-rt/shio/task"
	"pgregory.net/rapid"
)

// TestScopeFirstErrorCancelsSiblings: with n children of which one fails,
// every other child sees the scope's context cancelled, Wait returns that
// error, and no child is still running when Wait returns.
func TestScopeFirstErrorCancelsSiblings(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		n := rapid.IntRange(1, 40).Draw(rt, "children")
		limit := rapid.IntRange(0, 5).Draw(rt, "limit")
		if limit == 0 {
			limit = -1 // no limit
		}
		// Siblings block until cancelled, so under a limit the failing child
		// must be among the first to get a slot (see SetLimit's deadlock note).
		last := n - 1
		if limit > 0 {
			last = min(last, limit-1)
		}
		bad := rapid.IntRange(0, last).Draw(rt, "failing child")
		var running, sawCancel atomic.Int32
		err := task.Scoped(context.Background(), func(ctx context.Context, s *task.Scope) error {
			s.SetLimit(limit)
			for i := range n {
				s.Go(func(ctx context.Context) error {
					running.Add(1)
					defer running.Add(-1)
					if i == bad {
						return fmt.Errorf("child %d: %w", i, errBoom)
					}
					<-ctx.Done()
					sawCancel.Add(1)
					return ctx.Err()
				})
			}
			return nil
		})
		if !errors.Is(err, errBoom) || !strings.Contains(err.Error(), fmt.Sprintf("child %d", bad)) {
			rt.Fatalf("Scoped = %v; want child %d's error", err, bad)
		}
		if got := sawCancel.Load(); int(got) != n-1 {
			rt.Fatalf("%d children saw cancellation; want %d", got, n-1)
		}
		if running.Load() != 0 {
			rt.Fatal("a child was still running after Scoped returned")
		}
	})
}

// TestScopeLimitNeverDeadlocksOnNestedChildren builds a random tree of
// children that start children of their own under a small limit, and
// checks that it completes, never runs more than the limit at once, and runs
// every node exactly once.
func TestScopeLimitNeverDeadlocksOnNestedChildren(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		limit := rapid.IntRange(1, 3).Draw(rt, "limit")
		fanout := rapid.SliceOfN(rapid.IntRange(0, 3), 1, 4).Draw(rt, "fanout per depth")
		var active, peak, ran atomic.Int64
		var spawn func(s *task.Scope, depth int)
		spawn = func(s *task.Scope, depth int) {
			s.Go(func(ctx context.Context) error {
				a := active.Add(1)
				for p := peak.Load(); a > p && !peak.CompareAndSwap(p, a); p = peak.Load() {
				}
				ran.Add(1)
				if depth < len(fanout) {
					for range fanout[depth] {
						spawn(s, depth+1)
					}
				}
				active.Add(-1)
				return nil
			})
		}
		want := int64(1)
		for d, width := int64(0), int64(1); d < int64(len(fanout)); d++ {
			width *= int64(fanout[d])
			want += width
		}
		err := task.Scoped(context.Background(), func(ctx context.Context, s *task.Scope) error {
			s.SetLimit(limit)
			spawn(s, 0)
			return nil
		})
		if err != nil {
			rt.Fatal(err)
		}
		if ran.Load() != want {
			rt.Fatalf("%d children ran; want %d", ran.Load(), want)
		}
		if peak.Load() > int64(limit) {
			rt.Fatalf("%d children ran at once; limit %d", peak.Load(), limit)
		}
	})
}

func TestScopeRepanicsChildPanicInWait(t *testing.T) {
	var siblingCancelled atomic.Bool
	defer func() {
		p, ok := recover().(*task.PanicError)
		if !ok {
			t.Fatalf("recovered %v; want *task.PanicError", p)
		}
		if p.Value != errBoom || !strings.Contains(string(p.Stack), "task_test.panicky") {
			t.Fatalf("panic %v lacks the child's value or stack:\n%s", p.Value, p.Stack)
		}
		if !siblingCancelled.Load() {
			t.Fatal("the panic did not cancel the sibling")
		}
	}()
	_ = task.Scoped(context.Background(), func(ctx context.Context, s *task.Scope) error {
		s.Go(func(ctx context.Context) error {
			<-ctx.Done()
			siblingCancelled.Store(true)
			return nil
		})
		s.Go(func(ctx context.Context) error { _, err := panicky(ctx); return err })
		return nil
	})
	t.Fatal("Scoped returned despite a child's panic")
}

func TestScopedWaitsForChildrenWhenBodyPanics(t *testing.T) {
	var finished atomic.Bool
	func() {
		defer func() {
			if r := recover(); r != "body" {
				t.Fatalf("recovered %v; want the body's panic", r)
			}
		}()
		_ = task.Scoped(context.Background(), func(ctx context.Context, s *task.Scope) error {
			s.Go(func(ctx context.Context) error {
				<-ctx.Done()
				finished.Store(true)
				return nil
			})
			panic("body")
		})
	}()
	if !finished.Load() {
		t.Fatal("Scoped let its body's panic out before its child finished")
	}
}

func TestScopeBodyErrorCancelsChildren(t *testing.T) {
	err := task.Scoped(context.Background(), func(ctx context.Context, s *task.Scope) error {
		s.Go(func(ctx context.Context) error { <-ctx.Done(); return nil })
		return errBoom
	})
	if err != errBoom {
		t.Fatalf("Scoped = %v; want the body's error", err)
	}
}

func TestScopeChildrenHaveTaskInfo(t *testing.T) {
	parent := task.Spawn(context.Background(), func(ctx context.Context) (bool, error) {
		me, _ := task.Current(ctx)
		var ok atomic.Bool
		err := task.Scoped(ctx, func(ctx context.Context, s *task.Scope) error {
			s.Go(func(ctx context.Context) error {
				i, has := task.Current(ctx)
				ok.Store(has && i.Parent == me.ID && i.ID != me.ID)
				return nil
			})
			return nil
		})
		return ok.Load(), err
	})
	if ok, err := parent.Join(context.Background()); !ok || err != nil {
		t.Fatalf("child info wrong (ok=%v, err=%v)", ok, err)
	}
}

func TestScopeGoAfterWaitPanics(t *testing.T) {
	s, _ := task.NewScope(context.Background())
	if err := s.Wait(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		if r := recover(); r == nil {
			t.Fatal("Go after Wait did not panic")
		}
	}()
	s.Go(func(context.Context) error { return nil })
}

func TestScopeTryGoRespectsLimit(t *testing.T) {
	s, _ := task.NewScope(context.Background())
	s.SetLimit(1)
	release := make(chan struct{})
	if !s.TryGo(func(context.Context) error { <-release; return nil }) {
		t.Fatal("TryGo with a free slot refused")
	}
	if s.TryGo(func(context.Context) error { return nil }) {
		t.Fatal("TryGo past the limit accepted")
	}
	close(release)
	if err := s.Wait(); err != nil {
		t.Fatal(err)
	}
}

// TestScopeLimitZeroAdmitsNone: as with errgroup, SetLimit(0) admits no
// child, a negative limit means none, and no SetLimit call means none.
func TestScopeLimitZeroAdmitsNone(t *testing.T) {
	s, _ := task.NewScope(context.Background())
	s.SetLimit(0)
	if s.TryGo(func(context.Context) error { return nil }) {
		t.Fatal("TryGo under SetLimit(0) started a child")
	}
	if err := s.Wait(); err != nil {
		t.Fatal(err)
	}
	for _, limit := range []int{-1, -5} {
		s, _ := task.NewScope(context.Background())
		s.SetLimit(limit)
		release := make(chan struct{})
		for i := range 3 {
			if !s.TryGo(func(context.Context) error { <-release; return nil }) {
				t.Fatalf("SetLimit(%d): TryGo %d refused; a negative limit means no limit", limit, i)
			}
		}
		close(release)
		if err := s.Wait(); err != nil {
			t.Fatal(err)
		}
	}
	s, _ = task.NewScope(context.Background())
	release := make(chan struct{})
	for i := range 3 {
		if !s.TryGo(func(context.Context) error { <-release; return nil }) {
			t.Fatalf("TryGo %d refused without a limit", i)
		}
	}
	close(release)
	if err := s.Wait(); err != nil {
		t.Fatal(err)
	}
}

func TestScopeWaitCancelsContext(t *testing.T) {
	s, ctx := task.NewScope(context.Background())
	s.Go(func(context.Context) error { return nil })
	if err := s.Wait(); err != nil {
		t.Fatal(err)
	}
	if ctx.Err() == nil {
		t.Fatal("the scope's context is still live after Wait")
	}
}
