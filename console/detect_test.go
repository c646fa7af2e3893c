package console_test

import (
	"context"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/shio-rt/shio/console"
	"github.com/shio-rt/shio/ctxsync"
	"github.com/shio-rt/shio/oneshot"
	"github.com/shio-rt/shio/task"
)

// recovered runs a check and fails t if anything is still reported stuck.
func recovered(t *testing.T, c *console.Console, cfg console.WatchConfig) {
	t.Helper()
	c.Check(cfg)
	if s := c.Stuck(); len(s) != 0 {
		t.Errorf("still reported stuck after recovering: %+v", s)
	}
}

func reportsKind(rs []console.Report, kind string) []console.Report {
	var out []console.Report
	for _, r := range rs {
		if r.Kind == kind {
			out = append(out, r)
		}
	}
	return out
}

// TestDeadlockIsReportedOnceWithItsCycle: two tasks each holding the lock the
// other waits for form a cycle, reported once as a deadlock with both tasks,
// their locks and stacks, through the hook and the gauge, whatever the
// thresholds; it is forgotten when the cycle breaks.
func TestDeadlockIsReportedOnceWithItsCycle(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		var m1, m2 ctxsync.Mutex
		aHas, bHas := make(chan struct{}), make(chan struct{})
		a := task.SpawnNamed(ctx, "dl-a", func(ctx context.Context) (int, error) {
			m1.Lock(ctx)
			defer m1.Unlock()
			close(aHas)
			<-bHas
			if err := m2.Lock(ctx); err != nil {
				return 0, err
			}
			m2.Unlock()
			return 0, nil
		})
		b := task.SpawnNamed(ctx, "dl-b", func(ctx context.Context) (int, error) {
			m2.Lock(ctx)
			defer m2.Unlock()
			close(bHas)
			<-aHas
			if err := m1.Lock(ctx); err != nil {
				return 0, err
			}
			m1.Unlock()
			return 0, nil
		})
		synctest.Wait()
		c := console.New(console.Config{})
		var hooked []console.Report
		cfg := console.WatchConfig{Wait: time.Hour, Hold: time.Hour, Run: time.Hour,
			OnStuck: func(r console.Report) { hooked = append(hooked, r) }}
		rs := reportsKind(c.Check(cfg), "deadlock")
		if len(rs) != 1 {
			t.Fatalf("deadlock reports: %+v; want 1", rs)
		}
		r := rs[0]
		if len(r.Chain) != 2 || r.Chain[0].Task != uint64(a.ID()) || r.Chain[1].Task != uint64(b.ID()) {
			t.Fatalf("cycle %+v; want tasks %d then %d", r.Chain, a.ID(), b.ID())
		}
		for _, l := range r.Chain {
			if l.WaitKind != "mutex" {
				t.Errorf("link %+v; want a wait on a mutex", l)
			}
		}
		if r.Lock == nil || r.Holder == nil || r.Holder.ID != uint64(b.ID()) || r.Lock.Holder != uint64(b.ID()) {
			t.Errorf("lock %+v held by %+v; want held by dl-b", r.Lock, r.Holder)
		}
		if !strings.Contains(r.Stack, "dl-a") && !strings.Contains(r.Stack, "ctxsync.(*Mutex).Lock") {
			t.Errorf("stacks do not show the Locks:\n%s", r.Stack)
		}
		if !strings.Contains(r.Site, "detect_test.go") {
			t.Errorf("site %q", r.Site)
		}
		time.Sleep(time.Second)
		if again := reportsKind(c.Check(cfg), "deadlock"); len(again) != 0 {
			t.Errorf("reported twice: %+v", again)
		}
		if len(reportsKind(hooked, "deadlock")) != 1 {
			t.Errorf("hook got %+v", hooked)
		}
		if body := get(t, c.Metrics(), "/metrics").Body.String(); !strings.Contains(body, `shio_stuck{kind="deadlock"} 1`) {
			t.Errorf("the gauge does not count the deadlock")
		}
		cancel()
		a.Join(context.Background())
		b.Join(context.Background())
		c.Check(cfg)
		if s := reportsKind(c.Stuck(), "deadlock"); len(s) != 0 {
			t.Errorf("still reported after the cycle broke: %+v", s)
		}
	})
}

// TestLockHeldTooLongWithWaitForChain: a lock held past Hold is reported
// with its holder, its waiters and the chain from the holder (here: it
// joins a task that waits on a oneshot channel).
func TestLockHeldTooLongWithWaitForChain(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		var mu ctxsync.Mutex
		tx, rx := oneshot.New[int]()
		holder := task.SpawnNamed(ctx, "hold-holder", func(ctx context.Context) (int, error) {
			mu.Lock(ctx)
			defer mu.Unlock()
			return task.SpawnNamed(ctx, "hold-inner", func(ctx context.Context) (int, error) { return rx.Recv(ctx) }).Join(ctx)
		})
		synctest.Wait()
		waiter := task.SpawnNamed(ctx, "hold-waiter", func(ctx context.Context) (int, error) {
			if err := mu.Lock(ctx); err != nil {
				return 0, err
			}
			mu.Unlock()
			return 0, nil
		})
		time.Sleep(30 * time.Second)
		synctest.Wait()
		c := console.New(console.Config{})
		rs := reportsKind(c.Check(console.WatchConfig{Wait: time.Hour, Hold: 20 * time.Second, Run: time.Hour, NoStacks: true}), "lock")
		if len(rs) != 1 {
			t.Fatalf("lock reports %+v; want 1", rs)
		}
		r := rs[0]
		if r.Holder == nil || r.Holder.ID != uint64(holder.ID()) || r.Held != 30*time.Second {
			t.Fatalf("holder %+v held %v; want hold-holder for 30s", r.Holder, r.Held)
		}
		if len(r.Lock.Waiters) != 1 || r.Lock.Waiters[0].Task != uint64(waiter.ID()) {
			t.Fatalf("waiters %+v; want hold-waiter", r.Lock.Waiters)
		}
		if len(r.Chain) != 2 || r.Chain[0].WaitKind != "join" || r.Chain[1].Name != "hold-inner" || r.Chain[1].WaitKind != "oneshot.recv" {
			t.Fatalf("chain %+v; want the holder joining hold-inner, which waits on a oneshot", r.Chain)
		}
		if r.Chain[1].Waited != 30*time.Second {
			t.Errorf("inner waited %v, want 30s", r.Chain[1].Waited)
		}
		body := get(t, c.Metrics(), "/metrics").Body.String()
		for _, want := range []string{`shio_lock_waiters{kind="mutex"} 1`, `shio_stuck{kind="lock"} 1`, `shio_channel_blocked_receivers{kind="oneshot"} 1`} {
			if !strings.Contains(body, want) {
				t.Errorf("metrics lack %s", want)
			}
		}
		tx.Send(1)
		holder.Join(ctx)
		waiter.Join(ctx)
	})
}

// TestRunningOutsideShioAndGrowingSite: a task blocked outside shio (a
// plain Go channel) past Run is reported as running; a spawn site whose
// live tasks grow at each of Growth checks is reported as growing.
func TestRunningOutsideShioAndGrowingSite(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		plain := make(chan struct{})
		busy := task.SpawnNamed(ctx, "run-busy", func(ctx context.Context) (int, error) {
			<-plain
			return 0, nil
		})
		c := console.New(console.Config{})
		cfg := console.WatchConfig{Wait: time.Hour, Hold: time.Hour, Run: 15 * time.Second, Growth: 3, GrowthMin: 3, NoStacks: true}
		var hs []*task.Handle[int]
		var all []console.Report
		var gate ctxsync.Event
		for range 5 {
			hs = append(hs, task.SpawnNamed(ctx, "grow", func(ctx context.Context) (int, error) {
				return 0, gate.Wait(ctx) // a wait on shio: not "running"
			}))
			time.Sleep(10 * time.Second)
			synctest.Wait()
			all = append(all, c.Check(cfg)...)
		}
		run := reportsKind(all, "running")
		if len(run) != 1 || run[0].Task.ID != uint64(busy.ID()) || run[0].Running < 15*time.Second {
			t.Fatalf("running reports %+v; want run-busy once", run)
		}
		grow := reportsKind(all, "growth")
		if len(grow) != 1 || !strings.Contains(grow[0].Site, "detect_test.go") || grow[0].Live < 3 {
			t.Fatalf("growth reports %+v; want this file's spawn site once", grow)
		}
		close(plain)
		gate.Set()
		busy.Join(ctx)
		for _, h := range hs {
			h.Join(ctx)
		}
		recovered(t, c, cfg)
	})
}
