package timer_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"testing/synctest"
	"time"

	"pgregory.net/rapid"

	"github.com/shio-rt/shio/timer"
)

const period = 10 * time.Millisecond

// TestIntervalPolicies follows one consumer that stalls for 35ms after the
// first tick, under each policy, and checks when every tick is delivered.
func TestIntervalPolicies(t *testing.T) {
	type tick struct {
		at, scheduled time.Duration // from the start
		missed        int
	}
	cases := []struct {
		policy timer.MissedTick
		want   []tick
	}{
		{timer.Burst, []tick{{10, 10, 0}, {45, 20, 2}, {45, 30, 1}, {45, 40, 0}, {50, 50, 0}}},
		{timer.Delay, []tick{{10, 10, 0}, {45, 20, 2}, {55, 55, 0}, {65, 65, 0}, {75, 75, 0}}},
		{timer.Skip, []tick{{10, 10, 0}, {45, 20, 2}, {50, 50, 0}, {60, 60, 0}, {70, 70, 0}}},
	}
	for _, c := range cases {
		t.Run(c.policy.String(), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				start := time.Now()
				iv := timer.NewInterval(period, timer.IntervalConfig{MissedTick: c.policy})
				for i, w := range c.want {
					tk, err := iv.Tick(t.Context())
					if err != nil {
						t.Fatal(err)
					}
					got := tick{time.Since(start) / time.Millisecond, tk.Scheduled.Sub(start) / time.Millisecond, tk.Missed}
					if got != w {
						t.Errorf("tick %d = %+v, want %+v", i, got, w)
					}
					if i == 0 {
						time.Sleep(35 * time.Millisecond)
					}
				}
			})
		})
	}
}

// tickModel predicts the next deadline from first principles, phrased
// differently from the implementation.
func tickModel(policy timer.MissedTick, start, due, now time.Duration) time.Duration {
	switch policy {
	case timer.Burst:
		return due + period
	case timer.Delay:
		return now + period
	default: // Skip: the first point of the original grid after now.
		return start + ((now-start)/period+1)*period
	}
}

func TestIntervalMatchesModelProperty(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rapid.Check(inBubble(t), func(rt *rapid.T) {
			policy := timer.MissedTick(rapid.IntRange(0, 2).Draw(rt, "policy"))
			stalls := rapid.SliceOfN(rapid.Int64Range(0, int64(5*period)), 1, 30).Draw(rt, "stalls")
			origin := time.Now()
			startOff := time.Duration(rapid.Int64Range(0, int64(3*period)).Draw(rt, "start"))
			iv := timer.NewInterval(period, timer.IntervalConfig{Start: origin.Add(startOff), MissedTick: policy})
			due := startOff
			prev := time.Duration(-1)
			for i, s := range stalls {
				time.Sleep(time.Duration(s))
				called := time.Since(origin)
				tk, err := iv.Tick(context.Background())
				if err != nil {
					rt.Fatal(err)
				}
				now := time.Since(origin)
				if sched := tk.Scheduled.Sub(origin); sched != due {
					rt.Fatalf("tick %d scheduled at %v, model says %v", i, sched, due)
				}
				if want := max(called, due); now != want {
					rt.Fatalf("tick %d delivered at %v, want %v", i, now, want)
				}
				if want := int((now - due) / period); tk.Missed != want {
					rt.Fatalf("tick %d missed = %d, want %d", i, tk.Missed, want)
				}
				if due <= prev {
					rt.Fatalf("tick %d scheduled at %v, not after the previous %v", i, due, prev)
				}
				prev = due
				due = tickModel(policy, startOff, due, now)
			}
			iv.Stop()
		})
	})
}

func TestIntervalBurstNeverLosesTicks(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		iv := timer.NewInterval(period, timer.IntervalConfig{})
		n := 0
		for time.Since(start) < time.Second {
			if _, err := iv.Tick(t.Context()); err != nil {
				t.Fatal(err)
			}
			n++
			if n%7 == 0 {
				time.Sleep(53 * time.Millisecond)
			}
		}
		// Ticks due in (0, 1s] number 100; a final stall may leave us at most
		// one stall's worth ahead of the clock, never behind.
		if want := int(time.Since(start) / period); n < want-6 || n > want {
			t.Errorf("%d ticks in %v, want about %d", n, time.Since(start), want)
		}
	})
}

func TestIntervalCancelledTickIsNotConsumed(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		iv := timer.NewInterval(period, timer.IntervalConfig{})
		ctx, cancel := context.WithTimeout(t.Context(), period/2)
		defer cancel()
		if _, err := iv.Tick(ctx); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("err = %v, want DeadlineExceeded", err)
		}
		tk, err := iv.Tick(t.Context())
		if err != nil || tk.Scheduled.Sub(start) != period {
			t.Errorf("after cancel: %+v, %v; want the first tick", tk, err)
		}
	})
}

// TestIntervalTryTickTakesOnlyDueTicks: TryTick never waits, takes a due
// tick as Tick would, and reports a stopped interval.
func TestIntervalTryTickTakesOnlyDueTicks(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		iv := timer.NewInterval(period, timer.IntervalConfig{Start: start})
		if tk, err := iv.TryTick(); err != nil || !tk.Scheduled.Equal(start) {
			t.Fatalf("first TryTick = %+v, %v; want the immediate tick", tk, err)
		}
		if _, err := iv.TryTick(); err != timer.ErrNotDue {
			t.Fatalf("TryTick before the period = %v; want ErrNotDue", err)
		}
		time.Sleep(period)
		if tk, err := iv.TryTick(); err != nil || !tk.Scheduled.Equal(start.Add(period)) {
			t.Fatalf("TryTick after a period = %+v, %v; want the second tick", tk, err)
		}
		if time.Since(start) != period {
			t.Fatalf("TryTick waited: %v elapsed", time.Since(start))
		}
		iv.Stop()
		if _, err := iv.TryTick(); err != timer.ErrStopped {
			t.Fatalf("TryTick after Stop = %v; want ErrStopped", err)
		}
	})
}

func TestIntervalStopUnblocksTick(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		iv := timer.NewInterval(time.Hour, timer.IntervalConfig{})
		errc := make(chan error)
		go func() {
			_, err := iv.Tick(context.Background())
			errc <- err
		}()
		synctest.Wait()
		iv.Stop()
		iv.Stop()
		if err := <-errc; !errors.Is(err, timer.ErrStopped) {
			t.Errorf("err = %v, want ErrStopped", err)
		}
		if _, err := iv.Tick(context.Background()); !errors.Is(err, timer.ErrStopped) {
			t.Errorf("after Stop: %v, want ErrStopped", err)
		}
	})
}

func TestIntervalResetDelaysNextTickByAPeriod(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		iv := timer.NewInterval(period, timer.IntervalConfig{Start: start})
		time.Sleep(25 * time.Millisecond)
		iv.Reset()
		tk, _ := iv.Tick(t.Context())
		if got := time.Since(start); got != 35*time.Millisecond || tk.Missed != 0 {
			t.Errorf("after Reset at 25ms: tick at %v missed %d, want 35ms and 0", got, tk.Missed)
		}
	})
}

func TestIntervalReadyWorksInSelect(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		iv := timer.NewInterval(period, timer.IntervalConfig{})
		other := make(chan int)
		go func() { other <- 1 }()
		var got []string
		for len(got) < 3 {
			select {
			case <-iv.Ready():
				tk, err := iv.Tick(t.Context())
				if err != nil {
					t.Fatal(err)
				}
				got = append(got, fmt.Sprint("tick@", tk.Scheduled.Sub(start)))
			case v := <-other:
				got = append(got, fmt.Sprint("other", v))
			}
		}
		if want := "[other1 tick@10ms tick@20ms]"; fmt.Sprint(got) != want {
			t.Errorf("got %v, want %v", got, want)
		}
	})
}

func TestNewIntervalPanicsOnBadArguments(t *testing.T) {
	for _, f := range []func(){
		func() { timer.NewInterval(0, timer.IntervalConfig{}) },
		func() { timer.NewInterval(time.Second, timer.IntervalConfig{MissedTick: 9}) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Error("no panic")
				}
			}()
			f()
		}()
	}
}
