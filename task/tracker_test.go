package task_test

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/shio-rt/shio/task"
)

func TestTrackerWaitsForClosedAndEmpty(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var tr task.Tracker
		var done atomic.Int32
		for i := range 10 {
			tr.Go(t.Context(), func(context.Context) {
				time.Sleep(time.Duration(i) * time.Second)
				done.Add(1)
			})
		}
		// Not closed: Wait must not return even once the tasks are done.
		ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
		defer cancel()
		if err := tr.Wait(ctx); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Wait on an open tracker = %v; want DeadlineExceeded", err)
		}
		tr.Go(t.Context(), func(context.Context) { time.Sleep(time.Hour); done.Add(1) })
		tr.Close()
		if tr.Len() != 1 {
			t.Fatalf("Len = %d; want 1", tr.Len())
		}
		if err := tr.Wait(t.Context()); err != nil || done.Load() != 11 {
			t.Fatalf("Wait = %v with %d done; want nil with 11", err, done.Load())
		}
	})
}

func TestTrackerPanicCrashes(t *testing.T) {
	if mode := getCrashMode(); mode == "tracker" {
		var tr task.Tracker
		tr.Go(context.Background(), func(context.Context) { panic("tracked boom") })
		tr.Close()
		_ = tr.Wait(context.Background())
		select {}
	}
	out := runCrashChild(t, "tracker")
	if !strings.Contains(out, "tracked boom") {
		t.Fatalf("crash output lacks the panic value:\n%s", out)
	}
}
