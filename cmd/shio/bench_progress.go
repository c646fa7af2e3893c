package main

import (
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/shio-rt/shio/cmd/shio/internal/loadgen"
)

// startProgress prints a live progress line on standard error, twice a
// second, when standard error is a terminal, and nothing otherwise. The
// returned stop erases the line and waits for the printing goroutine. The
// line is a single carriage-return rewrite, too small to want a
// progress-bar library.
func startProgress(progress func() loadgen.Progress, unit string) (stop func()) {
	if !isTerminal(os.Stderr) {
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

// isTerminal reports whether f is a character device: a terminal, or (the
// only false positives) /dev/null, NUL or a serial line, where a progress
// line is harmless. It is the standard library's portable answer (a
// console on Windows is a character device too), so the command needs no
// terminal package and no per-OS ioctl; files and pipes are not.
func isTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
