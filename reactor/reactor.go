package reactor

import (
	"context"
	"errors"
	"net"
	"sync"
	"sync/atomic"
)

// Reactor states.
const (
	stateRunning int32 = iota
	stateShutdown
	stateClosed
)

// Reactor is a set of event loops serving connections with one [Handler].
//
// Create it with [New]; its methods are safe for concurrent use. Every
// Reactor must end with [Reactor.Shutdown] or [Reactor.Close], which wait
// for the goroutines it started (one per loop, one per [Reactor.Serve] of
// a listener that is not a *net.TCPListener; outside Linux, one per
// listener and one per connection).
type Reactor struct {
	cfg   Config
	h     Handler
	state atomic.Int32
	open  atomic.Int64 // connections open now
	wg    sync.WaitGroup

	drained   chan struct{} // closed when no connection is left during Shutdown
	drainOnce sync.Once
	closeOnce sync.Once

	reactorSys // per-OS state (reactor_linux.go, reactor_other.go)
}

// New starts cfg.Loops event loops serving connections with h. It
// returns an error if h is nil or cfg is invalid (a negative size, count
// or duration where only zero or a positive value means anything).
func New(cfg Config, h Handler) (*Reactor, error) {
	if h == nil {
		return nil, errors.New("reactor: nil Handler")
	}
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	r := &Reactor{cfg: cfg, h: h, drained: make(chan struct{})}
	if err := r.init(); err != nil {
		return nil, err
	}
	return r, nil
}

// Listen opens a TCP listener on address ("tcp", "tcp4" or "tcp6") and
// serves its connections on the loops. Use port 0 to let the system choose
// and [Listener.Addr] to learn it. Listening does not block.
func (r *Reactor) Listen(network, address string) (*Listener, error) {
	if r.state.Load() != stateRunning {
		return nil, ErrReactorClosed
	}
	return r.listen(network, address)
}

// Serve serves the connections of ln on the loops. It returns at once.
// A *net.TCPListener is taken over on Linux: the loops accept from a
// duplicate of its socket, as for [Reactor.Listen], and ln itself is never
// read. Another listener is accepted from by a goroutine owned by the
// reactor; it must yield connections that are syscall.Conns (the reactor
// takes their sockets over). Shutdown and Close close ln.
func (r *Reactor) Serve(ln net.Listener) error { return r.serve(ln) }

// Dial connects to address ("tcp", "tcp4" or "tcp6") and serves the
// connection on one of the loops with the reactor's Handler. It returns
// once OnOpen has returned.
//
// # Cancellation
//
// If ctx ends before the connection is established, Dial returns
// ctx.Err() and leaves nothing behind. If it ends after, while OnOpen is
// pending, Dial closes the connection (OnClose still follows OnOpen) and
// returns ctx.Err().
func (r *Reactor) Dial(ctx context.Context, network, address string) (*Conn, error) {
	if r.state.Load() != stateRunning {
		return nil, ErrReactorClosed
	}
	return r.dial(ctx, network, address)
}

// LoopStats returns the counters of each event loop, in loop order. Like
// Stats it is a few atomic loads per loop and safe to call at any time. On
// systems other than Linux, where connections are served over package net,
// it returns one entry for the whole reactor, with no passes or events.
func (r *Reactor) LoopStats() []LoopStats { return r.loopStats() }

// Stats returns the reactor's counters.
func (r *Reactor) Stats() Stats {
	s := Stats{Open: r.open.Load()}
	r.addStats(&s)
	return s
}

// Shutdown stops accepting, lets every connection finish and then closes
// the reactor. By default each connection has the bytes that already
// arrived delivered to OnData, its queue flushed, and is closed
// gracefully; a [ShutdownHandler] decides for itself. Shutdown returns
// nil once every connection is closed and every goroutine has exited.
//
// # Cancellation
//
// If ctx ends first, Shutdown closes whatever is left as [Reactor.Close]
// does (OnClose receives [ErrReactorClosed]), waits for the goroutines and
// returns ctx.Err(). Either way the reactor is closed when it returns.
func (r *Reactor) Shutdown(ctx context.Context) error {
	if r.state.CompareAndSwap(stateRunning, stateShutdown) {
		r.beginShutdown()
		if r.open.Load() == 0 {
			r.drainOnce.Do(func() { close(r.drained) })
		}
	} else if r.state.Load() == stateClosed {
		return ErrReactorClosed
	}
	select {
	case <-r.drained:
		return r.Close()
	case <-ctx.Done():
		r.Close()
		return ctx.Err()
	}
}

// Close closes every listener and connection at once (OnClose receives
// [ErrReactorClosed]), stops the loops and waits for every goroutine the
// reactor started. It is idempotent and returns nil.
func (r *Reactor) Close() error {
	r.closeOnce.Do(r.closeAll)
	r.wg.Wait()
	return nil
}

// connClosed counts a closed connection and ends the drain phase of
// Shutdown when it was the last.
func (r *Reactor) connClosed() {
	if r.open.Add(-1) == 0 && r.state.Load() == stateShutdown {
		r.drainOnce.Do(func() { close(r.drained) })
	}
}
