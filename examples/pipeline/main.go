// Command pipeline is a real-time data pipeline with windows and
// backpressure:
//
//	source (fast, then trickling) → parse → window (ChunksTimeout) → aggregate → slow sink
//
// The source produces sensor readings as text lines, first in a burst and
// then one every few milliseconds. A window closes when it holds
// -window-max readings or -window-time has passed since its first reading,
// so windows are full under load and small but timely when data trickles;
// the last window closes when the readings end.
// The sink is slow; because every stage pulls, the source is held back
// rather than buffering without bound: the program prints how far ahead of
// the sink the source ever got.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/shio-rt/shio/stream"
	"github.com/shio-rt/shio/timer"
)

// Config sizes the run. Zero fields take the defaults noted.
type Config struct {
	Readings   int           // readings produced in total; default 2000
	Burst      int           // the first Burst come as fast as possible; default 1600
	Gap        time.Duration // between the later readings; default 2ms
	WindowMax  int           // readings per full window; default 200
	WindowTime time.Duration // a window closes this long after its first reading; default 50ms
	SinkDelay  time.Duration // what the sink spends per window; default 20ms
}

func (c *Config) defaults() {
	def := func(v *int, d int) {
		if *v == 0 {
			*v = d
		}
	}
	defd := func(v *time.Duration, d time.Duration) {
		if *v == 0 {
			*v = d
		}
	}
	def(&c.Readings, 2000)
	def(&c.Burst, 1600)
	def(&c.WindowMax, 200)
	defd(&c.Gap, 2*time.Millisecond)
	defd(&c.WindowTime, 50*time.Millisecond)
	defd(&c.SinkDelay, 20*time.Millisecond)
}

// reading is one parsed sensor value.
type reading struct {
	sensor int
	value  float64
}

// window is the aggregate of one chunk of readings.
type window struct {
	n         int
	mean, max float64
}

// Report is what run measured.
type Report struct {
	Windows  []int         // size of each window, in order
	Elapsed  time.Duration // from start to the sink's last write
	MaxAhead int64         // most readings produced but not yet written by the sink
}

func main() {
	var cfg Config
	flag.IntVar(&cfg.Readings, "readings", 0, "readings in total (default 2000)")
	flag.IntVar(&cfg.WindowMax, "window-max", 0, "readings per full window (default 200)")
	flag.DurationVar(&cfg.WindowTime, "window-time", 0, "longest window (default 50ms)")
	flag.DurationVar(&cfg.SinkDelay, "sink-delay", 0, "sink time per window (default 20ms)")
	flag.Parse()
	if _, err := run(context.Background(), os.Stdout, cfg); err != nil {
		fmt.Fprintln(os.Stderr, "pipeline:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, w io.Writer, cfg Config) (Report, error) {
	cfg.defaults()
	var produced, written atomic.Int64
	var rep Report
	start := time.Now()

	// Source: text lines "sensor,value", in a burst and then trickling.
	lines := stream.Generate(func(ctx context.Context, yield func(string) error) error {
		for i := range cfg.Readings {
			if i >= cfg.Burst {
				if err := timer.Sleep(ctx, cfg.Gap); err != nil {
					return err
				}
			}
			produced.Add(1)
			if err := yield(fmt.Sprintf("%d,%d.%d", i%8, i%97, i%10)); err != nil {
				return err
			}
		}
		return nil
	})
	// Parse; a malformed line would end the pipeline with its error.
	readings := stream.TryMap(lines, func(_ context.Context, line string) (reading, error) {
		id, val, ok := strings.Cut(line, ",")
		if !ok {
			return reading{}, fmt.Errorf("malformed line %q", line)
		}
		n, err := strconv.Atoi(id)
		if err != nil {
			return reading{}, err
		}
		v, err := strconv.ParseFloat(val, 64)
		return reading{sensor: n, value: v}, err
	})
	// Window and aggregate.
	windows := stream.Map(stream.ChunksTimeout(readings, cfg.WindowMax, cfg.WindowTime), func(rs []reading) window {
		agg := window{n: len(rs)}
		for _, r := range rs {
			agg.mean += r.value
			agg.max = max(agg.max, r.value)
		}
		agg.mean /= float64(len(rs))
		return agg
	})
	// Slow sink.
	err := stream.ForEach(ctx, windows, func(win window) error {
		rep.MaxAhead = max(rep.MaxAhead, produced.Load()-written.Load())
		if err := timer.Sleep(ctx, cfg.SinkDelay); err != nil {
			return err
		}
		total := written.Add(int64(win.n))
		rep.Windows = append(rep.Windows, win.n)
		// A chunk of ChunksTimeout is full, or partial for one of two
		// reasons it does not record: its time ran out, or the stream
		// ended (the partial chunk comes, then io.EOF). The source ends
		// right after its last reading, so the window holding that
		// reading is the one the end closed.
		kind := "timed out"
		switch {
		case win.n == cfg.WindowMax:
			kind = "full"
		case total == int64(cfg.Readings):
			kind = "end of stream"
		}
		fmt.Fprintf(w, "window %3d at +%-6v %4d readings (%s), mean %.1f, max %.1f\n",
			len(rep.Windows), time.Since(start).Round(time.Millisecond), win.n, kind, win.mean, win.max)
		return nil
	})
	rep.Elapsed = time.Since(start)
	if err != nil {
		return rep, err
	}
	fmt.Fprintf(w, "%d readings in %d windows in %v: %.0f readings/s\n", written.Load(), len(rep.Windows),
		rep.Elapsed.Round(time.Millisecond), float64(written.Load())/rep.Elapsed.Seconds())
	fmt.Fprintf(w, "backpressure: the source was at most %d readings ahead of the sink (a window is %d)\n",
		rep.MaxAhead, cfg.WindowMax)
	return rep, nil
}
