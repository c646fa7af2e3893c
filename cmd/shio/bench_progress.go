package main

import (
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/shio-rt/shio/cmd/shio/internal/loadgen"
	"golang.org/x/term"
)

// startProgress prints a live progress line on standard error, twice a
// second, when standard error is a terminal, and nothing otherwise. The
// returned stop erases the line and waits for the printing goroutine.
//
// golang.org/x/term is the Go team's own terminal detection (an ioctl per
// platform), so we need not keep one per OS; the line itself is a single
// carriage-return rewrite, too small to want a progress-bar library.
func startProgress(progress func() loadgen.Progress, unit string) (stop func()) {
	if !term.IsTerminal(int(os.Stderr.Fd())) {
		return func() {}
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(500 * time.Millisecond)
		defer t.Stop()
		var last loadgen.Progress
		for {
			select {
			case <-done:
				fmt.Fprint(os.Stderr, "\r\033[K")
				return
			case <-t.C:
			}
			p := progress()
			if unit == "" { // idle
				fmt.Fprintf(os.Stderr, "\r\033[K  %5.1fs  %d connections held  %d errors", p.Elapsed.Seconds(), p.Conns, p.Errors)
			} else {
				rate := float64(p.Requests-last.Requests) / (p.Elapsed - last.Elapsed).Seconds()
				fmt.Fprintf(os.Stderr, "\r\033[K  %5.1fs  %10.0f %s/s  %d %ss  %d errors  %d connections",
					p.Elapsed.Seconds(), rate, unit, p.Requests, unit, p.Errors, p.Conns)
			}
			last = p
		}
	})
	return func() {
		close(done)
		wg.Wait()
	}
}
