package console_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/shio-rt/shio/console"
	"github.com/shio-rt/shio/ctxsync"
	"github.com/shio-rt/shio/task"
)

// scopeCfg checks scopes only (and deadlocks, which are always checked).
var scopeCfg = console.WatchConfig{Wait: time.Second, Hold: -1, Run: -1, Growth: -1, LoopPass: -1}

// TestScopeChildrenOutlivingItsBody: Scoped's body has returned (with an
// error that cancels the children) but two children ignore the
// cancellation; once the task has waited in the scope's Wait past
// WatchConfig.Scope, it is reported once with both children, through the
// hook, the stuck view and the gauge, and not as a plain wait; it is
// forgotten when the children end.
func TestScopeChildrenOutlivingItsBody(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		release := make(chan struct{})
		owner := task.SpawnNamed(ctx, "scope-owner", func(ctx context.Context) (int, error) {
			return 0, task.Scoped(ctx, func(ctx context.Context, s *task.Scope) error {
				for range 2 {
					s.Go(func(context.Context) error { <-release; return nil }) // ignores ctx
				}
				return errors.New("body failed")
			})
		})
		synctest.Wait()
		c := console.New(console.Config{})
		var hooked []console.Report
		cfg := scopeCfg
		cfg.OnStuck = func(r console.Report) { hooked = append(hooked, r) }
		if rs := c.Check(cfg); len(rs) != 0 {
			t.Fatalf("reported before WatchConfig.Scope: %+v", rs)
		}
		time.Sleep(11 * time.Second)
		rs := c.Check(cfg)
		if len(rs) != 1 || rs[0].Kind != "scope" {
			t.Fatalf("reports %+v; want one scope report (a scope wait is not a plain wait)", rs)
		}
		r := rs[0]
		if r.Task.ID != uint64(owner.ID()) || r.Task.WaitKind != "scope" || r.Waited < 11*time.Second {
			t.Errorf("task %+v waited %v; want scope-owner waiting in its scope for 11s", r.Task, r.Waited)
		}
		if len(r.Children) != 2 {
			t.Fatalf("children %+v; want the two that outlive the scope", r.Children)
		}
		for _, ch := range r.Children {
			if !ch.Scoped || ch.Parent != uint64(owner.ID()) || ch.Scope != r.Task.WaitOn || ch.State != "running" {
				t.Errorf("child %+v", ch)
			}
		}
		if len(r.Chain) != 2 || r.Chain[0].WaitKind != "scope" || r.Chain[1].Task != r.Children[0].ID {
			t.Errorf("chain %+v; want the owner, then the oldest child it waits for", r.Chain)
		}
		if !strings.Contains(r.Stack, "task.(*Scope).Wait") {
			t.Errorf("stack does not show the Wait:\n%s", r.Stack)
		}
		if len(hooked) != 1 || len(reportsKind(c.Stuck(), "scope")) != 1 {
			t.Errorf("hook got %d, stuck view %d; want 1 each", len(hooked), len(reportsKind(c.Stuck(), "scope")))
		}
		if body := get(t, c.Metrics(), "/metrics").Body.String(); !strings.Contains(body, `shio_stuck{kind="scope"} 1`) {
			t.Errorf("the gauge does not count the scope")
		}
		time.Sleep(time.Second)
		if again := c.Check(cfg); len(again) != 0 {
			t.Errorf("reported twice: %+v", again)
		}
		close(release)
		if _, err := owner.Join(ctx); err == nil || err.Error() != "body failed" {
			t.Errorf("Join: %v", err)
		}
		recovered(t, c, cfg)
	})
}

// TestScopeChildrenOutlivingTheirMaker: a task makes a scope with NewScope,
// starts children and ends without calling Wait; children still live past
// WatchConfig.Scope after it ended are reported once for the scope, naming
// the gone maker.
func TestScopeChildrenOutlivingTheirMaker(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		release := make(chan struct{})
		maker := task.SpawnNamed(ctx, "scope-maker", func(ctx context.Context) (int, error) {
			s, _ := task.NewScope(ctx)
			for range 3 {
				s.Go(func(context.Context) error { <-release; return nil })
			}
			return 0, nil // forgets s.Wait
		})
		maker.Join(ctx)
		synctest.Wait()
		c := console.New(console.Config{})
		time.Sleep(5 * time.Second)
		if rs := c.Check(scopeCfg); len(rs) != 0 {
			t.Fatalf("reported before WatchConfig.Scope: %+v", rs)
		}
		time.Sleep(6 * time.Second)
		rs := c.Check(scopeCfg)
		if len(rs) != 1 || rs[0].Kind != "scope" {
			t.Fatalf("reports %+v; want one scope report", rs)
		}
		r := rs[0]
		if len(r.Children) != 3 || r.Task.ID != r.Children[0].ID || r.Task.Parent != uint64(maker.ID()) {
			t.Errorf("task %+v, children %+v; want the maker's three children, the oldest first", r.Task, r.Children)
		}
		if len(r.Chain) != 1 || r.Chain[0].Task != uint64(maker.ID()) || !r.Chain[0].Gone {
			t.Errorf("chain %+v; want the gone maker", r.Chain)
		}
		if r.Waited < 11*time.Second {
			t.Errorf("outlived the maker by %v; want 11s", r.Waited)
		}
		close(release)
		synctest.Wait()
		recovered(t, c, scopeCfg)
	})
}

// TestScopeWaitOnItsOwnLockIsADeadlock: a task holding a lock waits in its
// scope for a child that waits for that lock: a cycle through the scope,
// reported as a deadlock at once.
func TestScopeWaitOnItsOwnLockIsADeadlock(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		var m ctxsync.Mutex
		owner := task.SpawnNamed(ctx, "scope-locker", func(ctx context.Context) (int, error) {
			if err := m.Lock(ctx); err != nil {
				return 0, err
			}
			defer m.Unlock()
			s, _ := task.NewScope(ctx)
			s.Go(func(ctx context.Context) error {
				if err := m.Lock(ctx); err != nil {
					return err
				}
				m.Unlock()
				return nil
			})
			return 0, s.Wait()
		})
		synctest.Wait()
		c := console.New(console.Config{})
		rs := reportsKind(c.Check(scopeCfg), "deadlock")
		if len(rs) != 1 || len(rs[0].Chain) != 2 {
			t.Fatalf("deadlock reports %+v; want one cycle of two", rs)
		}
		kinds := rs[0].Chain[0].WaitKind + "," + rs[0].Chain[1].WaitKind
		if rs[0].Chain[0].Task != uint64(owner.ID()) || kinds != "scope,mutex" {
			t.Errorf("cycle %+v; want the owner (scope), then its child (mutex)", rs[0].Chain)
		}
		cancel()
		owner.Join(context.Background())
	})
}
