package main

import (
	"slices"
	"strings"
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
		var out strings.Builder
		rep, err := run(t.Context(), &out, cfg)
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
		// time with 25 readings (50ms / 2ms), give or take one — or two
		// more when readings queued while the previous window was handed
		// to the sink are taken together as a window's first ones (its
		// time runs from when it takes them).
		if !slices.Equal(rep.Windows[:6], []int{100, 100, 100, 100, 100, 100}) {
			t.Errorf("burst windows %v, want six full ones", rep.Windows[:6])
		}
		for _, n := range rep.Windows[7 : len(rep.Windows)-1] {
			if n < 24 || n > 27 {
				t.Errorf("trickle windows %v, want about 25 readings each", rep.Windows[6:])
				break
			}
		}
		// Backpressure: the window being built, the one at the sink and a
		// couple of readings in flight — never the whole burst.
		if rep.MaxAhead > int64(2*cfg.WindowMax+3) {
			t.Errorf("source got %d readings ahead of the sink", rep.MaxAhead)
		}
		// Each window is labelled with what closed it: the burst's are
		// full, the trickle's timed out, and the last one the end of the
		// stream.
		lines := strings.Split(out.String(), "\n")
		for i, n := range rep.Windows {
			want := "(timed out)"
			switch {
			case n == cfg.WindowMax:
				want = "(full)"
			case i == len(rep.Windows)-1:
				want = "(end of stream)"
			}
			if !strings.Contains(lines[i], want) {
				t.Errorf("window %d of %d, %d readings: %q, want %s", i+1, len(rep.Windows), n, lines[i], want)
			}
		}
	})
}

// When the readings end on a full window, no window is labelled with the
// end of the stream.
func TestPipelineLastWindowFull(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cfg := Config{Readings: 300, Burst: 300, WindowMax: 100}
		var out strings.Builder
		rep, err := run(t.Context(), &out, cfg)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(rep.Windows, []int{100, 100, 100}) || strings.Count(out.String(), "(full)") != 3 {
			t.Errorf("windows %v:\n%s", rep.Windows, out.String())
		}
	})
}
