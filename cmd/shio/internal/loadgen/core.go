package loadgen

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// core is what the connections of one generator share.
type core struct {
	addr    string
	dial    Dialer
	timeout time.Duration
	hist    *Histogram

	// tickets is how many requests may still be sent, when limited
	// (limited true); workers claim them with claim.
	limited bool
	tickets atomic.Int64

	counters []counters
	start    atomic.Pointer[time.Time] // set once Run starts
	ever     atomic.Bool               // some dial succeeded
	ran      atomic.Bool               // Run was called

	mu       sync.Mutex
	firstErr error // guarded by mu: the first dial error
}

func newCore(addr string, dial Dialer, conns int, timeout time.Duration, requests int64) *core {
	if dial == nil {
		dial = NetDial
	}
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	c := &core{addr: addr, dial: dial, timeout: timeout, hist: NewHistogram(), counters: make([]counters, conns)}
	if requests > 0 {
		c.limited = true
		c.tickets.Store(requests)
	}
	return c
}

// claim takes up to k tickets and returns how many it got.
func (c *core) claim(k int) int {
	if !c.limited || k == 0 {
		return k
	}
	left := c.tickets.Add(-int64(k))
	return int(min(max(left+int64(k), 0), int64(k)))
}

// exhausted reports whether the request limit has been reached.
func (c *core) exhausted() bool {
	return c.limited && c.tickets.Load() <= 0
}

func (c *core) progress() Progress {
	p := Progress{}
	if s := c.start.Load(); s != nil {
		p = progressOf(*s, c.counters)
	}
	return p
}

// run starts one worker per connection, waits for them all and gathers the
// result.
func (c *core) run(ctx context.Context, serve func(ctx context.Context, w *conn)) (*Result, error) {
	if c.ran.Swap(true) {
		panic("loadgen: Run called twice")
	}
	start := time.Now()
	c.start.Store(&start)
	ws := make([]*conn, len(c.counters))
	for i := range ws {
		ws[i] = newConn(c, i)
	}
	var wg sync.WaitGroup
	for _, w := range ws {
		wg.Go(func() {
			serve(ctx, w)
			w.close()
			w.lat.flush()
		})
	}
	wg.Wait()
	res := &Result{Elapsed: time.Since(start), Conns: len(ws), Latency: c.hist, Status: map[int]int64{}}
	for _, w := range ws {
		res.Requests += w.c.done.Load()
		res.BytesRead += w.cr.n
		res.BytesWritten += w.written
		res.Connects += w.connects
		for k, n := range w.errs {
			res.Errors[k] += n
			if res.ErrorExamples[k] == "" {
				res.ErrorExamples[k] = w.firstErr[k]
			}
		}
		for s, n := range w.status {
			if n > 0 {
				res.Status[s] += n
			}
		}
	}
	if !c.ever.Load() {
		c.mu.Lock()
		err := c.firstErr
		c.mu.Unlock()
		if err != nil {
			return res, fmt.Errorf("%w: %w", ErrNoConnection, err)
		}
	}
	return res, nil
}
