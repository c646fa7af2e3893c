package obs_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/shio-rt/shio/broadcast"
	"github.com/shio-rt/shio/ctxsync"
	"github.com/shio-rt/shio/internal/obs"
	"github.com/shio-rt/shio/mpsc"
	"github.com/shio-rt/shio/oneshot"
	"github.com/shio-rt/shio/task"
	"github.com/shio-rt/shio/watch"
)

// withLevel runs the test at level l and restores Off after it.
func withLevel(t *testing.T, l obs.Level) {
	t.Helper()
	obs.SetLevel(l)
	t.Cleanup(func() { obs.SetLevel(obs.Off) })
}

func group(name string) (obs.GroupSnapshot, bool) {
	for _, g := range obs.Groups() {
		if g.Name == name {
			return g, true
		}
	}
	return obs.GroupSnapshot{}, false
}

func liveByName(name string) []obs.TaskSnapshot {
	var out []obs.TaskSnapshot
	for _, s := range obs.Live() {
		if s.Name == name {
			out = append(out, s)
		}
	}
	return out
}

func TestLevelOffCollectsNothing(t *testing.T) {
	withLevel(t, obs.Off)
	ctx := context.Background()
	h := task.SpawnNamed(ctx, "off-task", func(context.Context) (int, error) { return 1, nil })
	if _, err := h.Join(ctx); err != nil {
		t.Fatal(err)
	}
	if _, ok := group("off-task"); ok {
		t.Fatal("a task spawned at level off was counted")
	}
	if obs.Stamp() != 0 {
		t.Fatal("Stamp read the clock at level off")
	}
}

func TestCountersCountWithoutTable(t *testing.T) {
	withLevel(t, obs.Counters)
	ctx := context.Background()
	var s task.Set[int]
	timed := int64(0) // the first runs sampled: IDs multiple of SampleEvery
	for i := range 50 {
		id := s.SpawnNamed(ctx, "counted", func(context.Context) (int, error) {
			if i == 7 {
				panic("boom")
			}
			return i, nil
		})
		if id%obs.SampleEvery == 0 {
			timed++
		}
	}
	for range 50 {
		s.Next(ctx)
	}
	g, ok := group("counted")
	if !ok {
		t.Fatal("no group for the tasks' name")
	}
	if g.Spawned != 50 || g.Live != 0 || g.Panicked != 1 || g.FirstRun.Count != timed {
		t.Fatalf("group = %+v; want 50 spawned, 0 live, 1 panicked, %d first runs", g, timed)
	}
	if n := len(liveByName("counted")); n != 0 {
		t.Fatalf("%d tasks in the live table at level counters", n)
	}
}

// TestFullShowsTreeStateAndWait: a task blocked on a locked mutex is shown
// waiting on it since the moment it parked, its parent waiting to join it,
// and both move to the finished ring when they are done.
func TestFullShowsTreeStateAndWait(t *testing.T) {
	withLevel(t, obs.Full)
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		var mu ctxsync.Mutex
		if err := mu.Lock(ctx); err != nil {
			t.Fatal(err)
		}
		var childID task.ID
		parent := task.SpawnNamed(ctx, "tree-parent", func(ctx context.Context) (int, error) {
			child := task.SpawnNamed(ctx, "tree-child", func(ctx context.Context) (int, error) {
				if err := mu.Lock(ctx); err != nil {
					return 0, err
				}
				mu.Unlock()
				return 2, nil
			})
			childID = child.ID()
			return child.Join(ctx)
		})
		time.Sleep(time.Second) // virtual: the wait has a length
		synctest.Wait()
		parked := obs.Now() - int64(time.Second)

		p, c := liveByName("tree-parent"), liveByName("tree-child")
		if len(p) != 1 || len(c) != 1 {
			t.Fatalf("live: %d parents, %d children; want 1 and 1", len(p), len(c))
		}
		if c[0].Parent != p[0].ID || uint64(childID) != c[0].ID {
			t.Fatalf("child %+v is not the child of %+v", c[0], p[0])
		}
		if c[0].State != "waiting" || c[0].WaitKind != "mutex" || c[0].WaitSince != parked {
			t.Fatalf("child = %+v; want waiting on a mutex since %d", c[0], parked)
		}
		if p[0].State != "waiting" || p[0].WaitKind != "join" || p[0].WaitOn != c[0].ID {
			t.Fatalf("parent = %+v; want waiting to join task %d", p[0], c[0].ID)
		}
		if !strings.Contains(c[0].Site, "obs_test.go") || !strings.Contains(p[0].Site, "obs_test.go") {
			t.Fatalf("spawn sites %q, %q do not name this file", c[0].Site, p[0].Site)
		}
		if g, _ := group("tree-child"); g.Live != 1 || g.Parks != 1 {
			t.Fatalf("child group = %+v; want 1 live, 1 park", g)
		}

		mu.Unlock()
		if v, err := parent.Join(ctx); v != 2 || err != nil {
			t.Fatalf("Join = %d, %v", v, err)
		}
		synctest.Wait()
		for _, id := range []uint64{p[0].ID, c[0].ID} {
			s, ok := obs.Lookup(id)
			if !ok || s.State != "done" || s.Finished == 0 {
				t.Fatalf("task %d after the end: %+v, %v; want done", id, s, ok)
			}
		}
		if g, _ := group("tree-child"); g.Live != 0 || g.WakeResume.Count != 1 {
			t.Fatalf("child group = %+v; want 0 live, 1 wake-to-resume", g)
		}
	})
}

// TestChannelWaitsAreShown: a receiver parked on an empty mpsc channel is
// shown waiting on a receive, and a sender parked on a full one on a send;
// the wake-to-resume histogram counts the wake-ups.
func TestChannelWaitsAreShown(t *testing.T) {
	withLevel(t, obs.Full)
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		tx, rx := mpsc.New[int](1)
		recv := task.SpawnNamed(ctx, "chan-recv", func(ctx context.Context) (int, error) {
			return rx.Recv(ctx)
		})
		synctest.Wait()
		if r := liveByName("chan-recv"); len(r) != 1 || r[0].WaitKind != "mpsc.recv" {
			t.Fatalf("receiver: %+v; want waiting on a receive", r)
		}
		if err := tx.Send(ctx, 1); err != nil {
			t.Fatal(err)
		}
		if _, err := recv.Join(ctx); err != nil {
			t.Fatal(err)
		}
		if err := tx.Send(ctx, 2); err != nil { // fills the channel
			t.Fatal(err)
		}
		send := task.SpawnNamed(ctx, "chan-send", func(ctx context.Context) (int, error) {
			return 0, tx.Send(ctx, 3)
		})
		synctest.Wait()
		if s := liveByName("chan-send"); len(s) != 1 || s[0].WaitKind != "mpsc.send" {
			t.Fatalf("sender: %+v; want waiting on a send", s)
		}
		rx.Recv(ctx)
		if _, err := send.Join(ctx); err != nil {
			t.Fatal(err)
		}
		rx.Recv(ctx)
		for _, name := range []string{"chan-recv", "chan-send"} {
			if g, _ := group(name); g.WakeResume.Count != 1 {
				t.Fatalf("%s: %d wake-ups counted, want 1", name, g.WakeResume.Count)
			}
		}
	})
}

// TestCancelledWaitReturnsToRunning: a task whose wait on a lock is
// cancelled is running again, and the cancellation is not counted as a
// wake-up.
func TestCancelledWaitReturnsToRunning(t *testing.T) {
	withLevel(t, obs.Full)
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		sem := ctxsync.NewSemaphore(1)
		if err := sem.Acquire(ctx, 1); err != nil {
			t.Fatal(err)
		}
		gate := make(chan struct{})
		h := task.SpawnNamed(ctx, "cancelled-wait", func(ctx context.Context) (int, error) {
			c, cancel := context.WithTimeout(ctx, time.Second)
			defer cancel()
			err := sem.Acquire(c, 1)
			<-gate
			return 0, err
		})
		synctest.Wait()
		if s := liveByName("cancelled-wait"); len(s) != 1 || s[0].WaitKind != "semaphore" {
			t.Fatalf("%+v; want waiting on a semaphore", s)
		}
		time.Sleep(2 * time.Second)
		synctest.Wait()
		if s := liveByName("cancelled-wait"); len(s) != 1 || s[0].State != "running" {
			t.Fatalf("%+v; want running after the timeout", s)
		}
		close(gate)
		if _, err := h.Join(ctx); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Join: %v", err)
		}
		if g, _ := group("cancelled-wait"); g.WakeResume.Count != 0 {
			t.Fatalf("a cancelled wait counted as a wake-up: %+v", g.WakeResume)
		}
		sem.Release(1)
	})
}

// TestFirstRunDelayIsMeasured: in a bubble the clock moves only when every
// goroutine is blocked, so a task that runs at once has a first-run delay of
// exactly zero, in bucket 0. (At Full every task is timed; at Counters one
// in SampleEvery, see TestCountersCountWithoutTable.)
func TestFirstRunDelayIsMeasured(t *testing.T) {
	withLevel(t, obs.Full)
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		for range 10 {
			task.SpawnNamed(ctx, "first-run", func(context.Context) (int, error) { return 0, nil }).Join(ctx)
		}
		g, _ := group("first-run")
		if g.FirstRun.Count != 10 || g.FirstRun.Buckets[0] != 10 || g.FirstRun.Sum != 0 {
			t.Fatalf("first-run histogram = %+v; want 10 zero delays", g.FirstRun)
		}
	})
}

func TestScopeChildrenAreChildren(t *testing.T) {
	withLevel(t, obs.Full)
	ctx := context.Background()
	h := task.SpawnNamed(ctx, "scope-owner", func(ctx context.Context) (int, error) {
		me, _ := task.Current(ctx)
		var kids []obs.TaskSnapshot
		err := task.Scoped(ctx, func(ctx context.Context, s *task.Scope) error {
			s.Go(func(ctx context.Context) error {
				id, _ := task.Current(ctx)
				snap, ok := obs.Lookup(uint64(id.ID))
				if !ok {
					return fmt.Errorf("scope child %d not found", id.ID)
				}
				kids = append(kids, snap)
				return nil
			})
			return nil
		})
		if err != nil {
			return 0, err
		}
		if len(kids) != 1 || !kids[0].Scoped || kids[0].Parent != uint64(me.ID) || kids[0].State != "running" {
			return 0, fmt.Errorf("scope child %+v; want a running scoped child of %d", kids, me.ID)
		}
		if !strings.Contains(kids[0].Site, "obs_test.go") {
			return 0, fmt.Errorf("scope child's spawn site %q is not the Go call in this file", kids[0].Site)
		}
		return 0, nil
	})
	if _, err := h.Join(ctx); err != nil {
		t.Fatal(err)
	}
}

// TestEveryChannelReportsItsWaits: a task blocked on a oneshot, a broadcast
// or a watch receiver is shown waiting on it, and running again once a value
// arrives.
func TestEveryChannelReportsItsWaits(t *testing.T) {
	withLevel(t, obs.Full)
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		otx, orx := oneshot.New[int]()
		btx, brx := broadcast.New[int](4)
		wtx, wrx := watch.New(0)
		waits := map[string]func(context.Context){
			"oneshot.recv":   func(ctx context.Context) { orx.Recv(ctx) },
			"broadcast.recv": func(ctx context.Context) { brx.Recv(ctx) },
			"watch.changed":  func(ctx context.Context) { wrx.Changed(ctx) },
		}
		var hs []*task.Handle[int]
		for kind, wait := range waits {
			hs = append(hs, task.SpawnNamed(ctx, "chan-"+kind, func(ctx context.Context) (int, error) {
				wait(ctx) // the task's context: that is how the wait finds its task
				return 0, nil
			}))
		}
		synctest.Wait()
		for kind := range waits {
			if s := liveByName("chan-" + kind); len(s) != 1 || s[0].State != "waiting" || s[0].WaitKind != kind {
				t.Errorf("%s: %+v; want waiting on %s", kind, s, kind)
			}
		}
		otx.Send(1)
		btx.Send(1)
		wtx.Send(1)
		for _, h := range hs {
			h.Join(ctx)
		}
	})
}
