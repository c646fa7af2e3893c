// Command ticker-stream is the async interval stream pattern: an interval
// becomes a stream, take(5) bounds it, and each tick is processed as it
// comes. Closing the stream (done by the for-range) stops the interval.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/shio-rt/shio/stream"
	"github.com/shio-rt/shio/timer"
)

func main() {
	period := flag.Duration("period", 200*time.Millisecond, "time between ticks")
	n := flag.Int("n", 5, "number of ticks to take")
	flag.Parse()
	if err := run(context.Background(), os.Stdout, *period, *n); err != nil {
		fmt.Fprintln(os.Stderr, "ticker-stream:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, w io.Writer, period time.Duration, n int) error {
	start := time.Now()
	// The first tick is immediate, as with Tokio's interval; Skip keeps the
	// ticks on their grid if a slow consumer misses some.
	iv := timer.NewInterval(period, timer.IntervalConfig{Start: start, MissedTick: timer.Skip})
	ticks := stream.Take(stream.FromInterval(iv), n)
	i := 0
	for tick, err := range stream.All(ctx, ticks) {
		if err != nil {
			return err
		}
		i++
		fmt.Fprintf(w, "tick %d at +%v (scheduled +%v, missed %d)\n", i,
			time.Since(start).Round(time.Millisecond), tick.Scheduled.Sub(start), tick.Missed)
	}
	return nil
}
