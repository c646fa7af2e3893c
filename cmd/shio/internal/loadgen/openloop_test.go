package loadgen_test

import (
	"bufio"
	"context"
	"io"
	"net"
	"testing"
	"testing/synctest"
	"time"

	"github.com/shio-rt/shio/cmd/shio/internal/loadgen"
)

// delayServer answers each request after delay, one at a time.
func delayServer(delay time.Duration) func(c net.Conn, br *bufio.Reader) {
	return func(c net.Conn, br *bufio.Reader) {
		for readRequest(br) == nil {
			time.Sleep(delay)
			if _, err := io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"); err != nil {
				return
			}
		}
	}
}

// near reports whether got is within the histogram's 0.1% of want.
func near(got, want time.Duration) bool {
	d := got - want
	return d >= -want/500 && d <= want/500
}

func runOpenLoop(t *testing.T, delay time.Duration, cfg loadgen.HTTPConfig, run time.Duration) *loadgen.Result {
	t.Helper()
	cfg.URL = "http://virtual/"
	dial, wait := pipeDialer(delayServer(delay))
	defer wait()
	cfg.Dial = dial
	g, err := loadgen.NewHTTP(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), run)
	defer cancel()
	res, err := g.Run(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// TestOpenLoopKeepsSchedule checks, in virtual time, that a fast server
// sees exactly the configured rate and that latency is the service time.
func TestOpenLoopKeepsSchedule(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		// 100/s over 2 connections: sends at 0, 10, 20, ... 990ms.
		res := runOpenLoop(t, 5*time.Millisecond, loadgen.HTTPConfig{Rate: 100, Conns: 2}, time.Second)
		if res.Requests != 100 || res.ErrorCount() != 0 {
			t.Fatalf("requests %d, errors %v; want 100, none", res.Requests, res.Errors)
		}
		for _, p := range []float64{0, 50, 99, 100} {
			if got := res.Latency.Percentile(p); !near(got, 5*time.Millisecond) {
				t.Errorf("p%v = %v, want 5ms", p, got)
			}
		}
	})
}

// TestOpenLoopChargesStallsToIntendedSendTime checks that latency is
// measured from the intended send time (no coordinated omission): with one
// connection scheduled every 10ms and a server taking 30ms, request k is
// intended at 10k ms and answered at 30(k+1) ms, so its latency is 20k+30
// ms; a tool measuring from the actual send would report 30ms throughout.
func TestOpenLoopChargesStallsToIntendedSendTime(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		res := runOpenLoop(t, 30*time.Millisecond, loadgen.HTTPConfig{Rate: 100}, time.Second)
		// Answers at 30, 60, ..., 990ms: k = 0..32.
		if res.Requests != 33 {
			t.Fatalf("requests %d, want 33", res.Requests)
		}
		for _, c := range []struct {
			p    float64
			want time.Duration
		}{
			{0, 30 * time.Millisecond},
			{50, 350 * time.Millisecond}, // the 17th of 33: k = 16
			{100, 670 * time.Millisecond},
		} {
			if got := res.Latency.Percentile(c.p); !near(got, c.want) {
				t.Errorf("p%v = %v, want %v", c.p, got, c.want)
			}
		}
	})
}

// TestClosedLoopMeasuresFromSend is the same stalled server in a closed
// loop: every request then takes exactly the service time.
func TestClosedLoopMeasuresFromSend(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		res := runOpenLoop(t, 30*time.Millisecond, loadgen.HTTPConfig{}, time.Second)
		if res.Requests != 33 {
			t.Fatalf("requests %d, want 33", res.Requests)
		}
		if got := res.Latency.Max(); !near(got, 30*time.Millisecond) {
			t.Errorf("max %v, want 30ms", got)
		}
	})
}

// TestOpenLoopPipelineSendsOnSchedule checks that with room for several
// requests in flight an open loop sends each one when it is due even while
// earlier ones are unanswered: against a 25ms server, 4 slots at 100/s
// keep up, so latency stays at most one service time plus the queue.
func TestOpenLoopPipelineSendsOnSchedule(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		res := runOpenLoop(t, 5*time.Millisecond, loadgen.HTTPConfig{Rate: 100, Pipeline: 4}, time.Second)
		if res.Requests != 100 {
			t.Fatalf("requests %d, want 100", res.Requests)
		}
		if got := res.Latency.Max(); !near(got, 5*time.Millisecond) {
			t.Errorf("max %v, want 5ms", got)
		}
	})
}
