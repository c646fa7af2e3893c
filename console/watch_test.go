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

func reportsOf(rs []console.Report, name string) []console.Report {
	var out []console.Report
	for _, r := range rs {
		if r.Task != nil && r.Task.Name == name {
			out = append(out, r)
		}
	}
	return out
}

// TestWatchReportsAWaitOnceUntilItRecovers: a task blocked on a lock past
// the threshold is reported once, with its parent and its stack, stays in
// Stuck while it waits, and is forgotten once it gets the lock.
func TestWatchReportsAWaitOnceUntilItRecovers(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		var mu ctxsync.Mutex
		mu.Lock(ctx)
		parent := task.SpawnNamed(ctx, "watch-parent", func(ctx context.Context) (int, error) {
			return task.SpawnNamed(ctx, "watch-child", func(ctx context.Context) (int, error) {
				if err := mu.Lock(ctx); err != nil {
					return 0, err
				}
				mu.Unlock()
				return 0, nil
			}).Join(ctx)
		})
		c := console.New(console.Config{})
		cfg := console.WatchConfig{Wait: 5 * time.Second}
		synctest.Wait()
		if r := reportsOf(c.Check(cfg), "watch-child"); len(r) != 0 {
			t.Fatalf("reported before the threshold: %+v", r)
		}
		time.Sleep(6 * time.Second)
		synctest.Wait()
		rs := c.Check(cfg)
		child := reportsOf(rs, "watch-child")
		if len(child) != 1 {
			t.Fatalf("reports for the child: %+v", rs)
		}
		r := child[0]
		if r.Kind != "wait" || r.Task.WaitKind != "mutex" || r.Waited != 6*time.Second {
			t.Errorf("report %+v; want a 6s wait on a mutex", r)
		}
		if len(r.Parents) != 1 || r.Parents[0].Name != "watch-parent" {
			t.Errorf("parents %+v; want watch-parent", r.Parents)
		}
		if !strings.Contains(r.Stack, "ctxsync.(*Mutex).Lock") {
			t.Errorf("stack does not show the Lock:\n%s", r.Stack)
		}
		if p := reportsOf(rs, "watch-parent"); len(p) != 1 || p[0].Task.WaitKind != "join" {
			t.Errorf("the parent joining the child is not reported: %+v", p)
		}
		time.Sleep(time.Second)
		if again := c.Check(cfg); len(reportsOf(again, "watch-child")) != 0 {
			t.Errorf("reported twice: %+v", again)
		}
		if len(reportsOf(c.Stuck(), "watch-child")) != 1 {
			t.Errorf("Stuck() lost the child: %+v", c.Stuck())
		}
		mu.Unlock()
		parent.Join(ctx)
		recovered(t, c, cfg)
	})
}

// TestWatchRateLimits: with more stuck tasks than MaxReports, a check
// reports MaxReports and the next ones the rest.
func TestWatchRateLimits(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		var hs []*task.Handle[int]
		var mu ctxsync.Mutex
		mu.Lock(ctx)
		for range 5 {
			hs = append(hs, task.SpawnNamed(ctx, "watch-many", func(ctx context.Context) (int, error) {
				return 0, mu.Lock(ctx)
			}))
		}
		time.Sleep(time.Minute)
		synctest.Wait()
		c := console.New(console.Config{})
		cfg := console.WatchConfig{Wait: time.Second, Hold: -1, MaxReports: 2, NoStacks: true}
		var got []int
		for range 4 {
			got = append(got, len(reportsOf(c.Check(cfg), "watch-many")))
		}
		if want := []int{2, 2, 1, 0}; !equal(got, want) {
			t.Errorf("reports per check %v, want %v", got, want)
		}
		cancel()
		for _, h := range hs {
			h.Join(context.Background())
		}
	})
}

func equal(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestWatchCallsTheHookAndStops: Watch checks every Every, calls OnStuck
// once per stuck task, shows it in the metrics, and returns ctx.Err() when
// cancelled.
func TestWatchCallsTheHookAndStops(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		var mu ctxsync.Mutex
		mu.Lock(ctx)
		h := task.SpawnNamed(ctx, "watch-hook", func(ctx context.Context) (int, error) {
			return 0, mu.Lock(ctx)
		})
		c := console.New(console.Config{})
		var hooked []console.Report
		wctx, stop := context.WithCancel(ctx)
		done := make(chan error)
		go func() {
			done <- c.Watch(wctx, console.WatchConfig{Wait: 3 * time.Second, Every: time.Second, NoStacks: true,
				OnStuck: func(r console.Report) { hooked = append(hooked, r) }})
		}()
		time.Sleep(10 * time.Second)
		synctest.Wait()
		if n := len(reportsOf(hooked, "watch-hook")); n != 1 {
			t.Errorf("OnStuck called %d times for the task, want 1", n)
		}
		rec := get(t, c.Metrics(), "/metrics")
		if !strings.Contains(rec.Body.String(), `shio_stuck{kind="wait"} 1`) {
			t.Errorf("metrics do not count the stuck task")
		}
		stop()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Errorf("Watch returned %v", err)
		}
		mu.Unlock()
		h.Join(ctx)
	})
}
