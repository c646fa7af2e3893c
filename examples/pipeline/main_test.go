package main

import (
	"io"
	"slices"
	"testing"
	"testing/synctest"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestPipelineWindowsAndBackpressure(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cfg := Config{Readings: 1000, Burst: 600, Gap: 2 * time.Millisecond, WindowMax: 100,
			WindowTime: 50 * time.Millisecond, SinkDelay: 20 * time.Millisecond}
		rep, err := run(t.Context(), io.Discard, cfg)
		if err != nil {
			t.Fatal(err)
		}
		total := 0
		for _, n := range rep.Windows {
			total += n
		}
		if total != cfg.Readings {
			t.Errorf("windows hold %d readings, want %d", total, cfg.Readings)
		}
		// The burst fills windows; the trickle (one per 2ms) closes them by
		// time with 25 readings (50ms / 2ms), give or take one.
		if !slices.Equal(rep.Windows[:6], []int{100, 100, 100, 100, 100, 100}) {
			t.Errorf("burst windows %v, want six full ones", rep.Windows[:6])
		}
		for _, n := range rep.Windows[7 : len(rep.Windows)-1] {
			if n < 24 || n > 26 {
				t.Errorf("trickle windows %v, want about 25 readings each", rep.Windows[6:])
				break
			}
		}
		// Backpressure: the window being built, the one at the sink and a
		// couple of readings in flight — never the whole burst.
		if rep.MaxAhead > int64(2*cfg.WindowMax+3) {
			t.Errorf("source got %d readings ahead of the sink", rep.MaxAhead)
		}
	})
}
