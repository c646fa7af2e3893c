package loadgen

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// ProcSample is a process's resident memory and CPU time (user + system)
// at one moment; see [ReadProc].
type ProcSample struct {
	RSS int64         `json:"rss_bytes"`
	CPU time.Duration `json:"cpu_ns"`
}

// IdleConfig configures an [Idle] generator. Addr and Conns are required.
type IdleConfig struct {
	// Addr is the server's "host:port".
	Addr string
	// Conns is the number of connections to open and hold.
	Conns int
	// PerSource is how many connections use one source address before the
	// next is taken, when Addr is on loopback (127.0.0.0/8): connection i
	// comes from 127.0.0.(1 + i/PerSource), so that more connections than
	// one address's ephemeral ports can be held. Zero means 5000: Linux has
	// about 28000 ephemeral ports per address, and spreading early keeps
	// the kernel's search for a free port short. Source addresses are bound
	// with IP_BIND_ADDRESS_NO_PORT, so ports still in TIME_WAIT from an
	// earlier run are reused. Off loopback every connection uses the
	// system's choice.
	PerSource int
	// Parallel is how many dials are in flight at once; zero means 64.
	Parallel int
	// Hold is how long the connections are held once all are open; zero
	// means until ctx is done.
	Hold time.Duration
	// Timeout fails a dial not answered within it; zero means 10s.
	Timeout time.Duration
	// PID, when positive, is a process (the server) whose memory and CPU
	// time are sampled before the first dial and at the end of the hold.
	PID int
	// Dial opens one connection from the source address local (nil: the
	// system's choice); nil means the standard library's net.Dialer.
	Dial func(ctx context.Context, local *net.TCPAddr, addr string) (net.Conn, error)
	// WebSocket, if not nil, completes the WebSocket opening handshake on
	// every connection before holding it (see [WSTarget]), so that the
	// server holds idle WebSocket connections rather than HTTP ones.
	WebSocket *WSTarget
}

// IdleResult is what an [Idle] run measured.
type IdleResult struct {
	Conns     int           // connections asked for
	Held      int           // connections opened
	Alive     int           // connections still open at the end of the hold
	Sources   int           // source addresses used
	FileLimit uint64        // open-file limit after raising it
	DialTime  time.Duration // time to open them all
	Elapsed   time.Duration
	Errors    [numKinds]int64
	FirstErr  error       // the first dial error, if any
	Before    *ProcSample // the PID's sample before dialing
	After     *ProcSample // the PID's sample at the end of the hold
	ProcErr   error       // why a sample is missing
}

// ErrorCount returns the number of errors of every Kind.
func (r *IdleResult) ErrorCount() int64 {
	var n int64
	for _, e := range r.Errors {
		n += e
	}
	return n
}

// Idle opens connections, holds them without traffic, and reports what
// they cost a server. Create one with [NewIdle]; Run it
// once. Its methods are safe for concurrent use.
type Idle struct {
	cfg   IdleConfig
	ip    net.IP // loopback target, for spreading; nil otherwise
	start atomic.Pointer[time.Time]
	ran   atomic.Bool
	c     [1]counters
}

// NewIdle validates cfg. It wraps [ErrConfig] on an invalid setting.
func NewIdle(cfg IdleConfig) (*Idle, error) {
	host, _, err := net.SplitHostPort(cfg.Addr)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrConfig, err)
	}
	if cfg.Conns <= 0 || cfg.PerSource < 0 || cfg.Parallel < 0 || cfg.Hold < 0 || cfg.Timeout < 0 {
		return nil, fmt.Errorf("%w: connections must be positive", ErrConfig)
	}
	if cfg.PerSource == 0 {
		cfg.PerSource = 5000
	}
	if cfg.Parallel == 0 {
		cfg.Parallel = 64
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = 10 * time.Second
	}
	if cfg.Dial == nil {
		cfg.Dial = func(ctx context.Context, local *net.TCPAddr, addr string) (net.Conn, error) {
			d := net.Dialer{}
			if local != nil {
				d.LocalAddr = local
				d.Control = bindNoPort
			}
			return d.DialContext(ctx, "tcp", addr)
		}
	}
	if t := cfg.WebSocket; t != nil {
		dial, timeout := cfg.Dial, cfg.Timeout
		cfg.Dial = func(ctx context.Context, local *net.TCPAddr, addr string) (net.Conn, error) {
			nc, err := dial(ctx, local, addr)
			if err != nil {
				return nil, err
			}
			return wsHandshake(ctx, nc, addr, t, timeout)
		}
	}
	g := &Idle{cfg: cfg}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() && ip.To4() != nil {
		g.ip = ip
	}
	if sources := (cfg.Conns + cfg.PerSource - 1) / cfg.PerSource; g.ip != nil && sources > 254 {
		return nil, fmt.Errorf("%w: %d connections at %d per source need more than 254 source addresses", ErrConfig, cfg.Conns, cfg.PerSource)
	}
	return g, nil
}

// Progress returns the counts so far: Conns is the connections held.
func (g *Idle) Progress() Progress {
	var p Progress
	if s := g.start.Load(); s != nil {
		p = progressOf(*s, g.c[:])
	}
	return p
}

// local returns the source address of connection i.
func (g *Idle) local(i int) *net.TCPAddr {
	if g.ip == nil || g.cfg.Conns <= g.cfg.PerSource {
		return nil
	}
	return &net.TCPAddr{IP: net.IPv4(127, 0, 0, byte(1+i/g.cfg.PerSource))}
}

// Run raises the open-file limit, opens the connections, holds them for
// cfg.Hold (or until ctx is done), samples the PID, checks which connections the server still
// holds, and closes them all. It returns an error (with the partial result)
// when the limit is too low, or when not every connection could be opened.
//
// # Cancellation
//
// ctx ending ends the hold early (the PID is still sampled); if it ends
// while dialing, the dials stop. Either way Run closes what it opened and
// returns promptly.
func (g *Idle) Run(ctx context.Context) (*IdleResult, error) {
	if g.ran.Swap(true) {
		panic("loadgen: Run called twice")
	}
	start := time.Now()
	g.start.Store(&start)
	res := &IdleResult{Conns: g.cfg.Conns, Sources: 1}
	if l := g.local(g.cfg.Conns - 1); l != nil {
		res.Sources = int(l.IP.To4()[3])
	}
	limit, err := raiseFileLimit()
	res.FileLimit = limit
	if err != nil {
		return res, fmt.Errorf("loadgen: raising the open-file limit: %w", err)
	}
	if need := uint64(g.cfg.Conns) + 64; need > limit {
		return res, fmt.Errorf("loadgen: %d connections need about %d open files; the limit is %d", g.cfg.Conns, need, limit)
	}
	if g.cfg.PID > 0 {
		if s, err := ReadProc(g.cfg.PID); err != nil {
			res.ProcErr = err
		} else {
			res.Before = &s
		}
	}
	conns := g.dialAll(ctx, res)
	defer func() {
		for _, c := range conns {
			if c == nil {
				continue
			}
			// Reset rather than close: thousands of closes would leave as
			// many source ports in TIME_WAIT for a minute, and the next run
			// would find them taken.
			if tc, ok := c.(interface{ SetLinger(int) error }); ok {
				tc.SetLinger(0)
			}
			c.Close()
		}
		g.c[0].open.Store(0)
	}()
	res.DialTime = time.Since(start)
	if res.Held > 0 {
		hold := make(<-chan time.Time)
		if g.cfg.Hold > 0 {
			t := time.NewTimer(g.cfg.Hold)
			defer t.Stop()
			hold = t.C
		}
		select {
		case <-ctx.Done():
		case <-hold:
		}
	}
	if g.cfg.PID > 0 && res.ProcErr == nil {
		if s, err := ReadProc(g.cfg.PID); err != nil {
			res.ProcErr = err
		} else {
			res.After = &s
		}
	}
	res.Alive = g.countAlive(conns)
	res.Elapsed = time.Since(start)
	if res.Held < res.Conns {
		if res.FirstErr != nil {
			return res, fmt.Errorf("loadgen: opened %d of %d connections: %w", res.Held, res.Conns, res.FirstErr)
		}
		return res, fmt.Errorf("loadgen: opened %d of %d connections before the run ended", res.Held, res.Conns)
	}
	return res, nil
}

// dialAll opens the connections with cfg.Parallel dials in flight. It stops
// early, when ctx ends or when over 100 dials have failed and failures
// outnumber successes.
func (g *Idle) dialAll(ctx context.Context, res *IdleResult) []net.Conn {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	conns := make([]net.Conn, g.cfg.Conns)
	var next atomic.Int64
	var mu sync.Mutex // guards res.Errors, res.FirstErr
	var wg sync.WaitGroup
	for range min(g.cfg.Parallel, g.cfg.Conns) {
		wg.Go(func() {
			for ctx.Err() == nil {
				i := int(next.Add(1) - 1)
				if i >= g.cfg.Conns {
					return
				}
				dctx, dcancel := context.WithTimeout(ctx, g.cfg.Timeout)
				c, err := g.cfg.Dial(dctx, g.local(i), g.cfg.Addr)
				dcancel()
				if err != nil {
					if ctx.Err() != nil {
						return
					}
					g.c[0].errors.Add(1)
					mu.Lock()
					res.Errors[KindConnect]++
					if res.FirstErr == nil {
						res.FirstErr = err
					}
					failed := res.Errors[KindConnect]
					mu.Unlock()
					if failed > 100 && failed > g.c[0].open.Load() {
						cancel()
					}
					continue
				}
				conns[i] = c
				g.c[0].open.Add(1)
			}
		})
	}
	wg.Wait()
	res.Held = int(g.c[0].open.Load())
	return conns
}

// countAlive reports how many connections the server has not closed: a
// peek that finds the connection open, or (where peeking is not possible) a
// one-byte read that times out rather than failing.
func (g *Idle) countAlive(conns []net.Conn) int {
	var alive atomic.Int64
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(g.cfg.Parallel, len(conns)) {
		wg.Go(func() {
			var b [1]byte
			for {
				i := int(next.Add(1) - 1)
				if i >= len(conns) {
					return
				}
				c := conns[i]
				if c == nil {
					continue
				}
				if a, ok := peekAlive(c); ok {
					if a {
						alive.Add(1)
					}
					continue
				}
				c.SetReadDeadline(time.Now().Add(5 * time.Millisecond))
				_, err := c.Read(b[:])
				var ne net.Error
				if err == nil || errors.As(err, &ne) && ne.Timeout() {
					alive.Add(1)
				}
			}
		})
	}
	wg.Wait()
	return int(alive.Load())
}
