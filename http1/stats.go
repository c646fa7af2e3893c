package http1

import (
	"context"
	"sync/atomic"
	"syscall"

	"github.com/shio-rt/shio/internal/obs"
	"github.com/shio-rt/shio/reactor"
)

// errTooManyFiles is the Accept error that means "wait for a descriptor".
var errTooManyFiles = syscall.EMFILE

// Stats is a snapshot of a Server's counters.
type Stats struct {
	// Accepted counts connections accepted since the server started.
	Accepted int64 `json:"accepted"`
	// Open counts connections open now.
	Open int64 `json:"open"`
	// Requests counts requests handed to the Handler.
	Requests int64 `json:"requests"`
	// Rejected counts requests refused by the parser or a limit (4xx/5xx
	// answered without calling the Handler).
	Rejected int64 `json:"rejected"`
	// Panics counts Handler panics.
	Panics int64 `json:"panics"`
	// Hijacked counts connections Handlers took over (http.Hijacker); a
	// reactor connection stays in Open until its new owner closes it.
	Hijacked int64 `json:"hijacked"`
	// AcceptErrors counts failed accepts (the descriptor limit reached,
	// say), on the server's own reactors and its fallback accept loops:
	// the signal of a server that cannot take new connections. (Those of
	// a shio tcp Network's listener are in that Network's reactor stats.)
	AcceptErrors int64 `json:"accept_errors"`
}

type statsCounters struct {
	accepted, open, requests, rejected, panics, hijacked, acceptErrors atomic.Int64
}

// Stats returns the server's counters. It is cheap (a few atomic loads, and
// a lock to sum its reactors' accept errors) and safe to call at any time,
// from any goroutine.
func (s *Server) Stats() Stats {
	st := Stats{
		Accepted:     s.stats.accepted.Load(),
		Open:         s.stats.open.Load(),
		Requests:     s.stats.requests.Load(),
		Rejected:     s.stats.rejected.Load(),
		Panics:       s.stats.panics.Load(),
		Hijacked:     s.stats.hijacked.Load(),
		AcceptErrors: s.stats.acceptErrors.Load(),
	}
	s.mu.Lock()
	for _, r := range s.reactors {
		st.AcceptErrors += r.Stats().AcceptErrors
	}
	s.mu.Unlock()
	return st
}

// LoopStats returns the counters of the event loops of the reactors the
// server started (one per listener given to Serve that it serves on a
// reactor of its own), in the order they started; it is empty for a server
// that serves only on the net.Conn fallback or on another's reactor (a
// tcp.Listener's). It is safe to call at any time.
func (s *Server) LoopStats() []reactor.LoopStats {
	s.mu.Lock()
	rs := append([]*reactor.Reactor(nil), s.reactors...)
	s.mu.Unlock()
	var out []reactor.LoopStats
	for _, r := range rs {
		out = append(out, r.LoopStats()...)
	}
	return out
}

// Conns describes up to max of the connections on the reactors the server
// started (all if max <= 0; see [Server.LoopStats] for which reactors), as
// [reactor.Reactor.Conns] does, with each connection's HTTP phase and
// request count. Loop indexes continue from one reactor to the next, as in
// LoopStats. Then come the connections served on the net.Conn fallback
// (Loop -1), with their peer, age, requests, phase ("idle" between
// requests, "active" reading a head or ending a response, "running" while
// a Handler runs, with its request's age and task); their idle time and
// bytes are not counted.
//
// # Cancellation
//
// If ctx ends first, Conns returns what it has gathered and ctx.Err().
func (s *Server) Conns(ctx context.Context, max int) ([]reactor.ConnInfo, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	rs := append([]*reactor.Reactor(nil), s.reactors...)
	s.mu.Unlock()
	var out []reactor.ConnInfo
	loops := 0
	for _, r := range rs {
		left := 0
		if max > 0 {
			left = max - len(out)
			if left <= 0 {
				break
			}
		}
		infos, err := r.Conns(ctx, left)
		for i := range infos {
			infos[i].Loop += loops
		}
		out = append(out, infos...)
		if err != nil {
			return out, err
		}
		loops += len(r.LoopStats())
	}
	// The connections served on the fallback, by goroutines of their own.
	now := obs.Now()
	s.mu.Lock()
	for t := range s.conns {
		if max > 0 && len(out) >= max {
			break
		}
		out = append(out, t.describe(now))
	}
	s.mu.Unlock()
	return out, nil
}
