package loadgen_test

import (
	"bufio"
	"context"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/shio-rt/shio/cmd/shio/internal/loadgen"
)

// These tests run the HTTP generator against servers whose latency
// distribution is known: every every-th response on each connection waits
// d, the others none. They check that the generator's percentiles land
// where that distribution puts them, so that a latency measured from or to
// the wrong instant, or charged to the wrong request, shows.

const okResponse = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"

// truth is what a known-latency server saw: how many responses it delayed,
// and (in virtual time) each request's latency on the server's clock.
type truth struct {
	delayed atomic.Int64
	mu      sync.Mutex
	lat     []time.Duration // guarded by mu
}

func (t *truth) add(d time.Duration) {
	t.mu.Lock()
	t.lat = append(t.lat, d)
	t.mu.Unlock()
}

// delayEvery returns a server that answers requests in order, delaying the
// every-th response on each connection by d. It records in tr each
// request's latency from when its head was read to when its response was
// written. Reading and writing run in two goroutines, so that a pipelining
// client writing more requests never blocks against a server sleeping
// before its next response (net.Pipe has no buffer).
func delayEvery(every int, d time.Duration, tr *truth) func(c net.Conn, br *bufio.Reader) {
	return func(c net.Conn, br *bufio.Reader) {
		arrived := make(chan time.Time, 64)
		done := make(chan struct{})
		var wg sync.WaitGroup
		wg.Go(func() {
			defer close(arrived)
			for readRequest(br) == nil {
				select {
				case arrived <- time.Now():
				case <-done:
					return
				}
			}
		})
		k := 0
		for at := range arrived {
			if k++; k%every == 0 {
				time.Sleep(d)
				tr.delayed.Add(1)
			}
			if _, err := io.WriteString(c, okResponse); err != nil {
				break
			}
			tr.add(time.Since(at))
		}
		close(done)
		wg.Wait()
	}
}

// TestHTTPLatencyEqualsServerLatencyInVirtualTime runs the generator
// against a server delaying every 10th response by 30ms, inside a synctest
// bubble, where no time passes between the client's write and the server's
// read, nor between the server's write and the client's read: each
// request's latency on the client's clock then equals its latency on the
// server's, exactly, and the two histograms must be identical. Pipelined,
// the requests queued behind a delayed response are delayed too; this is
// where a ring of send times indexed off by one, or a send time taken
// after the write or per batch of responses, would charge a delay to the
// wrong request and change the count of 30ms samples.
func TestHTTPLatencyEqualsServerLatencyInVirtualTime(t *testing.T) {
	for _, pipeline := range []int{1, 4} {
		synctest.Test(t, func(t *testing.T) {
			const delay = 30 * time.Millisecond
			var tr truth
			dial, wait := pipeDialer(delayEvery(10, delay, &tr))
			defer wait()
			g, err := loadgen.NewHTTP(loadgen.HTTPConfig{
				URL: "http://virtual/", Dial: dial, Conns: 3, Pipeline: pipeline, Requests: 600,
			})
			if err != nil {
				t.Fatal(err)
			}
			res, err := g.Run(context.Background())
			if err != nil || res.Requests != 600 || res.ErrorCount() != 0 {
				t.Fatalf("pipeline %d: err %v, requests %d, errors %v", pipeline, err, res.Requests, res.Errors)
			}
			wait()
			want := loadgen.NewHistogram()
			for _, d := range tr.lat {
				want.Record(d)
			}
			got := res.Latency
			if got.Count() != want.Count() || got.Min() != want.Min() || got.Max() != want.Max() || got.Mean() != want.Mean() {
				t.Errorf("pipeline %d: count/min/max/mean %d/%v/%v/%v, server saw %d/%v/%v/%v", pipeline,
					got.Count(), got.Min(), got.Max(), got.Mean(), want.Count(), want.Min(), want.Max(), want.Mean())
			}
			for _, p := range []float64{50, 80, 85, 90, 95, 99, 100} {
				if g, w := got.Percentile(p), want.Percentile(p); g != w {
					t.Errorf("pipeline %d: p%v = %v, server saw %v", pipeline, p, g, w)
				}
			}
			// And it is what the schedule makes it: 0 or 30ms; one response
			// in 10 on each connection is delayed, alone without
			// pipelining, so that only that share of samples is 30ms.
			d := tr.delayed.Load()
			if d < 60-3 || !near(got.Max(), delay) || got.Min() != 0 {
				t.Errorf("pipeline %d: min %v, max %v, %d delayed", pipeline, got.Min(), got.Max(), d)
			}
			lo, hi := 100*float64(600-d-1)/600, 100*float64(600-d+1)/600
			if pipeline == 1 && (got.Percentile(lo) != 0 || !near(got.Percentile(hi), delay)) {
				t.Errorf("pipeline 1: p%.2f = %v, p%.2f = %v, want 0 and 30ms", lo, got.Percentile(lo), hi, got.Percentile(hi))
			}
		})
	}
}

// TestHTTPPercentilesMatchKnownDistribution runs the generator over
// loopback TCP, on the real clock, against a server that delays every 50th
// response on each connection by 60ms and answers the others at once; the
// server counts what it delayed, so the share of 60ms samples is known
// exactly. The margins hold on a loaded machine under -race (the base
// latency need only stay far below 60ms) and catch latencies stamped at the
// wrong instant:
//
//   - the percentile just above the delayed share must be at least 60ms: it
//     fails if the start is stamped after the wait began (after the response
//     arrived, or per batch of reads), if samples are truncated or scaled
//     down, or if the percentile is read a bucket too low;
//   - the percentile just below it must be under 60ms: it fails if a delay
//     is charged to more than its own request (a start stamped at the
//     previous send, or an end stamped a response late);
//   - p50 must be under 6ms and p99 under 120ms: they fail if latency runs
//     from the start of the run or of the connection, or accumulates;
//   - the sum of the latencies must not exceed connections × elapsed time:
//     with one request in flight per connection, the intervals of one
//     connection cannot overlap (Little's law). It fails if a start is
//     stamped before the previous response ended, which is what wrk's
//     coordinated-omission correction does to its closed-loop figures.
func TestHTTPPercentilesMatchKnownDistribution(t *testing.T) {
	const (
		delay    = 60 * time.Millisecond
		every    = 50
		conns    = 4
		requests = 2000
	)
	var tr truth
	addr := scriptServer(t, func(c net.Conn, br *bufio.Reader) {
		for k := 1; readRequest(br) == nil; k++ {
			if k%every == 0 {
				time.Sleep(delay)
				tr.delayed.Add(1)
			}
			if _, err := io.WriteString(c, okResponse); err != nil {
				return
			}
		}
	})
	g, err := loadgen.NewHTTP(loadgen.HTTPConfig{URL: "http://" + addr + "/", Conns: conns, Requests: requests})
	if err != nil {
		t.Fatal(err)
	}
	res, err := g.Run(context.Background())
	if err != nil || res.Requests != requests || res.ErrorCount() != 0 {
		t.Fatalf("err %v, requests %d, errors %v", err, res.Requests, res.Errors)
	}
	h := res.Latency
	delayed := tr.delayed.Load()
	if delayed < requests/every-conns || delayed > requests/every {
		t.Fatalf("server delayed %d responses, want about %d", delayed, requests/every)
	}
	base := requests - delayed // samples below the delay
	if lo := 100 * float64(base-2) / requests; h.Percentile(lo) >= delay {
		t.Errorf("p%.2f = %v, want < %v: %d of %d delayed, but more samples are that slow", lo, h.Percentile(lo), delay, delayed, requests)
	}
	if hi := 100 * float64(base+2) / requests; h.Percentile(hi) < delay {
		t.Errorf("p%.2f = %v, want >= %v: %d of %d delayed, but fewer samples are that slow", hi, h.Percentile(hi), delay, delayed, requests)
	}
	if p := h.Percentile(50); p >= delay/10 {
		t.Errorf("p50 = %v, want < %v", p, delay/10)
	}
	if p := h.Percentile(99); p < delay || p >= 2*delay {
		t.Errorf("p99 = %v, want in [%v, %v)", p, delay, 2*delay)
	}
	sum := time.Duration(float64(h.Mean()) * float64(h.Count()))
	if limit := time.Duration(float64(conns*res.Elapsed) * 1.002); sum > limit {
		t.Errorf("latencies sum to %v, more than %d connections × %v elapsed", sum, conns, res.Elapsed)
	}
}
