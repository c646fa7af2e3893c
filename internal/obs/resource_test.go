package obs_test

import (
	"context"
	"fmt"
	"runtime"
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

func lockAt(t *testing.T, addr uint64) obs.LockSnapshot {
	t.Helper()
	for _, l := range obs.Locks(obs.Live()) {
		if l.Addr == addr {
			return l
		}
	}
	t.Fatalf("no lock at %#x", addr)
	return obs.LockSnapshot{}
}

// TestLockHolderAndFIFOWaiters: a mutex held by one task shows it as holder
// since it took it, and the tasks queued behind it oldest first with the
// times they parked; the holder changes with each hand-off.
func TestLockHolderAndFIFOWaiters(t *testing.T) {
	withLevel(t, obs.Full)
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		var mu ctxsync.Mutex
		release := make(chan struct{})
		holder := task.SpawnNamed(ctx, "lock-holder", func(ctx context.Context) (int, error) {
			if err := mu.Lock(ctx); err != nil {
				return 0, err
			}
			<-release
			mu.Unlock()
			return 0, nil
		})
		synctest.Wait()
		took := obs.Now()
		var waiters []*task.Handle[int]
		for range 3 {
			time.Sleep(time.Second)
			waiters = append(waiters, task.SpawnNamed(ctx, "lock-waiter", func(ctx context.Context) (int, error) {
				if err := mu.Lock(ctx); err != nil {
					return 0, err
				}
				mu.Unlock()
				return 0, nil
			}))
			synctest.Wait()
		}
		time.Sleep(time.Second)
		var addr uint64
		for _, s := range liveByName("lock-waiter") {
			addr = s.WaitOn
		}
		l := lockAt(t, addr)
		if l.Kind != "mutex" || l.Holder != uint64(holder.ID()) || l.HeldSince != took {
			t.Fatalf("lock = %+v; want a mutex held by task %d since %d", l, holder.ID(), took)
		}
		if len(l.Waiters) != 3 {
			t.Fatalf("waiters = %+v; want 3", l.Waiters)
		}
		for i, w := range l.Waiters {
			if w.Task != uint64(waiters[i].ID()) || w.Since != took+int64(i+1)*int64(time.Second) {
				t.Fatalf("waiter %d = %+v; want task %d since %d", i, w, waiters[i].ID(), took+int64(i+1)*int64(time.Second))
			}
		}
		close(release)
		for _, h := range append(waiters, holder) {
			if _, err := h.Join(ctx); err != nil {
				t.Fatal(err)
			}
		}
		if l := lockAt(t, addr); l.Holder != 0 || l.HeldSince != 0 || len(l.Waiters) != 0 || l.Taken != 4 {
			t.Fatalf("after: %+v; want free, no waiters, taken 4 times", l)
		}
	})
}

// TestRWMutexReaders: read holders are counted; a writer queued behind them
// is its waiter.
func TestRWMutexReaders(t *testing.T) {
	withLevel(t, obs.Full)
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		var rw ctxsync.RWMutex
		rw.RLock(ctx)
		rw.RLock(ctx)
		w := task.SpawnNamed(ctx, "rw-writer", func(ctx context.Context) (int, error) {
			if err := rw.Lock(ctx); err != nil {
				return 0, err
			}
			rw.Unlock()
			return 0, nil
		})
		synctest.Wait()
		s := liveByName("rw-writer")
		if len(s) != 1 || s[0].WaitKind != "rwmutex" {
			t.Fatalf("writer: %+v", s)
		}
		l := lockAt(t, s[0].WaitOn)
		if l.Readers != 2 || l.Holder != 0 || len(l.Waiters) != 1 || l.Waiters[0].Task != uint64(w.ID()) {
			t.Fatalf("lock = %+v; want 2 readers and the writer waiting", l)
		}
		rw.RUnlock()
		rw.RUnlock()
		if _, err := w.Join(ctx); err != nil {
			t.Fatal(err)
		}
		if l := lockAt(t, s[0].WaitOn); l.Readers != 0 || l.HeldSince != 0 {
			t.Fatalf("after: %+v", l)
		}
	})
}

func chanAt(t *testing.T, kind string, pred func(obs.ChanStats) bool) obs.ChanStats {
	t.Helper()
	for _, c := range obs.Chans() {
		if c.Kind == kind && pred(c) {
			return c
		}
	}
	t.Fatalf("no %s channel as wanted in %+v", kind, obs.Chans())
	return obs.ChanStats{}
}

// TestChannelsRegisteredWeakly: each kind of channel made at the Full level
// is listed with its capacity, length and blocked callers, and leaves the
// list once collected.
func TestChannelsRegisteredWeakly(t *testing.T) {
	withLevel(t, obs.Full)
	ctx := context.Background()
	tx, rx := mpsc.New[int](3)
	tx.Send(ctx, 1)
	tx.Send(ctx, 2)
	c := chanAt(t, "mpsc", func(c obs.ChanStats) bool { return c.Cap == 3 })
	if c.Len != 2 || c.Senders != 0 || c.Receivers != 0 || c.Closed {
		t.Fatalf("mpsc: %+v; want 2 of 3", c)
	}
	tx.Send(ctx, 3)
	blocked := task.Spawn(ctx, func(ctx context.Context) (int, error) { return 0, tx.Send(ctx, 4) })
	deadline := time.Now().Add(30 * time.Second)
	for chanAt(t, "mpsc", func(c obs.ChanStats) bool { return c.Cap == 3 }).Senders != 1 {
		if time.Now().After(deadline) {
			t.Fatal("the blocked sender was never counted")
		}
		runtime.Gosched()
	}
	for range 4 {
		rx.Recv(ctx)
	}
	blocked.Join(ctx)

	otx, orx := oneshot.New[int]()
	otx.Send(7)
	if c := chanAt(t, "oneshot", func(c obs.ChanStats) bool { return c.Len == 1 }); c.Cap != 1 {
		t.Fatalf("oneshot: %+v", c)
	}
	orx.Recv(ctx)

	btx, brx := broadcast.New[int](2)
	for i := range 5 {
		btx.Send(i)
	}
	if _, err := brx.Recv(ctx); err == nil {
		t.Fatal("want a lag error")
	}
	if c := chanAt(t, "broadcast", func(c obs.ChanStats) bool { return c.Cap == 2 }); c.Lag != 3 || c.Len != 2 || c.Subscribers != 1 {
		t.Fatalf("broadcast: %+v; want lag 3, 2 kept, 1 subscriber", c)
	}

	wtx, wrx := watch.New(0)
	wtx.Send(1)
	wtx.Send(2)
	if c := chanAt(t, "watch", func(c obs.ChanStats) bool { return c.Version == 2 }); c.Subscribers != 1 {
		t.Fatalf("watch: %+v", c)
	}
	runtime.KeepAlive(wrx)
	runtime.KeepAlive(rx)

	// Dropped, the channels leave the list.
	_, chans0 := obs.Registered()
	tx, rx, otx, orx, btx, brx, wtx, wrx = nil, nil, nil, nil, nil, nil, nil, nil
	for range 20 {
		runtime.GC()
		if len(obs.Chans()) == 0 {
			break
		}
	}
	if n := len(obs.Chans()); n != 0 {
		t.Fatalf("%d channels still listed after they were dropped (%d registered before)", n, chans0)
	}
	if _, n := obs.Registered(); n != 0 {
		t.Fatalf("%d registry entries left", n)
	}
}

// TestWakeTimingOfEveryChannel: a task woken by a oneshot send, a broadcast
// send or a watch change has its wake-to-resume delay measured, as one woken
// by an mpsc send or a lock.
func TestWakeTimingOfEveryChannel(t *testing.T) {
	withLevel(t, obs.Full)
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		otx, orx := oneshot.New[int]()
		btx, brx := broadcast.New[int](4)
		wtx, wrx := watch.New(0)
		hs := []*task.Handle[int]{
			task.SpawnNamed(ctx, "wake-oneshot", func(ctx context.Context) (int, error) { return orx.Recv(ctx) }),
			task.SpawnNamed(ctx, "wake-broadcast", func(ctx context.Context) (int, error) { return brx.Recv(ctx) }),
			task.SpawnNamed(ctx, "wake-watch", func(ctx context.Context) (int, error) { return 0, wrx.Changed(ctx) }),
		}
		synctest.Wait()
		otx.Send(1)
		btx.Send(1)
		wtx.Send(1)
		for _, h := range hs {
			if _, err := h.Join(ctx); err != nil {
				t.Fatal(err)
			}
		}
		for _, name := range []string{"wake-oneshot", "wake-broadcast", "wake-watch"} {
			if g, _ := group(name); g.WakeResume.Count != 1 || g.Parks != 1 {
				t.Fatalf("%s: %+v; want one park and one wake-to-resume", name, g)
			}
		}
	})
}

// TestBroadcastReceiversBehind: a broadcast channel made at the Full level
// lists how far each open receiver is behind the sender, the farthest
// first; a closed receiver and a dropped one are not listed; a receiver
// past the capacity shows its full distance until its receive reports the
// lag, then the distance from the oldest value kept.
func TestBroadcastReceiversBehind(t *testing.T) {
	withLevel(t, obs.Full)
	ctx := context.Background()
	tx, first := broadcast.New[int](8)
	mid, closed, dropped := tx.Subscribe(), tx.Subscribe(), tx.Subscribe()
	for i := range 6 {
		tx.Send(i)
	}
	late := tx.Subscribe() // after the six: 0 behind
	for range 4 {
		mid.Recv(ctx)
	}
	closed.Close()
	_ = dropped
	dropped = nil
	runtime.GC() // dropped's position goes with it
	behind := func() []uint64 {
		return chanAt(t, "broadcast", func(c obs.ChanStats) bool { return c.Cap == 8 }).Behind
	}
	if got := fmt.Sprint(behind()); got != "[6 2 0]" {
		t.Errorf("behind %s, want [6 2 0] (first, mid, late)", got)
	}
	for i := range 10 {
		tx.Send(6 + i)
	}
	if got := fmt.Sprint(behind()); got != "[16 12 10]" {
		t.Errorf("after 10 more sends: behind %s, want [16 12 10]", got)
	}
	if _, err := first.Recv(ctx); err == nil {
		t.Fatal("want a lag error")
	}
	if got := fmt.Sprint(behind()); got != "[12 10 8]" {
		t.Errorf("after first's lag: behind %s, want [12 10 8] (mid, late, first at the oldest kept)", got)
	}
	runtime.KeepAlive(late)
	runtime.KeepAlive(mid)
}
