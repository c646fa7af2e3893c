package timer_test

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"

	"github.com/shio-rt/shio/timer"
)

func TestSleepPausesForExactlyDInVirtualTime(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		for _, d := range []time.Duration{time.Nanosecond, time.Millisecond, time.Hour} {
			start := time.Now()
			if err := timer.Sleep(t.Context(), d); err != nil {
				t.Fatalf("Sleep(%v) = %v", d, err)
			}
			if got := time.Since(start); got != d {
				t.Errorf("Sleep(%v) took %v", d, got)
			}
		}
	})
}

func TestSleepReturnsCtxErrWhenCancelledFirst(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithTimeout(t.Context(), time.Second)
		defer cancel()
		start := time.Now()
		err := timer.Sleep(ctx, time.Hour)
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("err = %v, want DeadlineExceeded", err)
		}
		if got := time.Since(start); got != time.Second {
			t.Errorf("returned after %v, want 1s", got)
		}
	})
}

func TestSleepNonPositiveReturnsAtOnce(t *testing.T) {
	if err := timer.Sleep(t.Context(), 0); err != nil {
		t.Errorf("Sleep(0) = %v", err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if err := timer.Sleep(ctx, -time.Second); !errors.Is(err, context.Canceled) {
		t.Errorf("Sleep(cancelled, -1s) = %v, want Canceled", err)
	}
}

func TestSleepUntilWakesAtDeadline(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		deadline := time.Now().Add(3 * time.Second)
		if err := timer.SleepUntil(t.Context(), deadline); err != nil {
			t.Fatal(err)
		}
		if !time.Now().Equal(deadline) {
			t.Errorf("woke at %v, want %v", time.Now(), deadline)
		}
	})
}
