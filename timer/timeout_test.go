package timer_test

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"

	"github.com/shio-rt/shio/timer"
)

func waitCtx(ctx context.Context) (int, error) {
	<-ctx.Done()
	return 0, ctx.Err()
}

func TestTimeoutErrorIsDeadlineExceededAndTimeout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		_, err := timer.Timeout(t.Context(), 2*time.Second, waitCtx)
		if got := time.Since(start); got != 2*time.Second {
			t.Errorf("timed out after %v, want 2s", got)
		}
		if !errors.Is(err, context.DeadlineExceeded) || !errors.Is(err, timer.ErrTimeout) {
			t.Errorf("err = %v: want Is(DeadlineExceeded) and Is(ErrTimeout)", err)
		}
		var te interface{ Timeout() bool }
		if !errors.As(err, &te) || !te.Timeout() {
			t.Errorf("err = %v does not report Timeout() == true", err)
		}
		var tErr *timer.TimeoutError
		if !errors.As(err, &tErr) || tErr.After != 2*time.Second {
			t.Errorf("err = %#v, want *TimeoutError with After 2s", err)
		}
	})
}

func TestTimeoutPassesResultsThrough(t *testing.T) {
	boom := errors.New("boom")
	v, err := timer.Timeout(t.Context(), time.Hour, func(context.Context) (int, error) { return 7, nil })
	if v != 7 || err != nil {
		t.Errorf("got %d, %v; want 7, nil", v, err)
	}
	_, err = timer.Timeout(t.Context(), time.Hour, func(context.Context) (int, error) { return 0, boom })
	if err != boom {
		t.Errorf("err = %v, want boom unchanged", err)
	}
}

func TestTimeoutParentCancellationIsNotATimeout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithTimeout(t.Context(), time.Second)
		defer cancel()
		_, err := timer.Timeout(ctx, time.Hour, waitCtx)
		if errors.Is(err, timer.ErrTimeout) {
			t.Errorf("parent deadline reported as this call's timeout: %v", err)
		}
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("err = %v, want the parent's DeadlineExceeded", err)
		}
	})
}

func TestNestedTimeoutsBlameTheOneThatFired(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		_, err := timer.Timeout(t.Context(), time.Second, func(ctx context.Context) (int, error) {
			return timer.Timeout(ctx, time.Hour, waitCtx)
		})
		var te *timer.TimeoutError
		if !errors.As(err, &te) || te.After != time.Second {
			t.Errorf("err = %v, want the outer 1s timeout", err)
		}
	})
}

func TestTimeoutCauseIsVisibleInsideF(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		deadline := time.Now().Add(time.Minute)
		_, err := timer.TimeoutAt(t.Context(), deadline, func(ctx context.Context) (int, error) {
			<-ctx.Done()
			return 0, context.Cause(ctx)
		})
		var te *timer.TimeoutError
		if !errors.As(err, &te) || te.After != time.Minute {
			t.Errorf("err = %v, want *TimeoutError after 1m", err)
		}
	})
}
