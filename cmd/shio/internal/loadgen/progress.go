package loadgen

import (
	"sync/atomic"
	"time"
)

// Progress is a snapshot of a running generator, for a live progress line.
type Progress struct {
	Elapsed  time.Duration // since Run started
	Requests int64         // requests (or echo messages) completed
	Errors   int64         // errors of every Kind
	Conns    int64         // connections currently open
}

// counters are one worker's live counts, written by the worker and read by
// Progress. They are padded to a cache line pair so that workers on
// different cores do not share a line.
type counters struct {
	done   atomic.Int64
	errors atomic.Int64
	open   atomic.Int64
	_      [128 - 24]byte
}

// progressOf sums the workers' counters.
func progressOf(start time.Time, cs []counters) Progress {
	var p Progress
	if !start.IsZero() {
		p.Elapsed = time.Since(start)
	}
	for i := range cs {
		p.Requests += cs[i].done.Load()
		p.Errors += cs[i].errors.Load()
		p.Conns += cs[i].open.Load()
	}
	return p
}
