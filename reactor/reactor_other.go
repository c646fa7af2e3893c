//go:build !linux

package reactor

import (
	"context"
	"errors"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// Reactor states.
const (
	stateRunning int32 = iota
	stateShutdown
	stateClosed
)

// Reactor serves connections with one [Handler]. On this system it runs
// over the standard library's net package with a goroutine per
// connection; the API and its guarantees are those of the Linux version
// except the memory rule.
type Reactor struct {
	cfg   Config
	h     Handler
	state atomic.Int32
	open  atomic.Int64
	stats counters
	wg    sync.WaitGroup

	mu sync.Mutex
	// Guarded by mu.
	lns   []net.Listener
	conns map[*Conn]struct{}

	drained   chan struct{}
	drainOnce sync.Once
	closeOnce sync.Once
}

// New returns a reactor serving connections with h.
func New(cfg Config, h Handler) (*Reactor, error) {
	if h == nil {
		return nil, errors.New("reactor: nil Handler")
	}
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	return &Reactor{cfg: cfg, h: h, conns: map[*Conn]struct{}{}, drained: make(chan struct{})}, nil
}

// Listen opens a TCP listener on address and serves its connections.
func (r *Reactor) Listen(network, address string) (*Listener, error) {
	ln, err := net.Listen(network, address)
	if err != nil {
		return nil, err
	}
	pub := &Listener{ln: ln}
	if err := r.serve(ln, pub); err != nil {
		ln.Close()
		return nil, err
	}
	return pub, nil
}

// Listener is a listening socket opened by [Reactor.Listen]; closing it
// stops accepting and leaves its connections open.
type Listener struct{ ln net.Listener }

// Addr returns the address the listener is bound to.
func (ln *Listener) Addr() net.Addr { return ln.ln.Addr() }

// Close stops accepting on the listener.
func (ln *Listener) Close() error {
	ln.ln.Close()
	return nil
}

// Serve accepts connections from ln in a goroutine owned by the reactor.
func (r *Reactor) Serve(ln net.Listener) error { return r.serve(ln, nil) }

func (r *Reactor) serve(ln net.Listener, pub *Listener) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.state.Load() != stateRunning {
		return ErrReactorClosed
	}
	r.lns = append(r.lns, ln)
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		for {
			nc, err := ln.Accept()
			if err != nil {
				if r.state.Load() != stateRunning || errors.Is(err, net.ErrClosed) {
					return
				}
				r.stats.acceptErrors.Add(1)
				time.Sleep(10 * time.Millisecond)
				continue
			}
			r.stats.accepted.Add(1)
			r.run(nc, pub, nil)
		}
	}()
	return nil
}

// Dial connects to address and serves the connection with the reactor's
// Handler. It returns once OnOpen has returned.
//
// # Cancellation
//
// If ctx ends before the connection is established, Dial returns
// ctx.Err() and leaves nothing behind.
func (r *Reactor) Dial(ctx context.Context, network, address string) (*Conn, error) {
	if r.state.Load() != stateRunning {
		return nil, ErrReactorClosed
	}
	var d net.Dialer
	nc, err := d.DialContext(ctx, network, address)
	if err != nil {
		return nil, err
	}
	r.stats.dialed.Add(1)
	opened := make(chan struct{})
	c := r.run(nc, nil, opened)
	if c == nil {
		return nil, ErrReactorClosed
	}
	<-opened
	return c, nil
}

// run starts the goroutine serving nc.
func (r *Reactor) run(nc net.Conn, pub *Listener, opened chan struct{}) *Conn {
	c := &Conn{r: r, nc: nc, dialed: opened != nil, ln: pub, resume: make(chan struct{}, 1)}
	r.mu.Lock()
	if r.state.Load() == stateClosed {
		r.mu.Unlock()
		nc.Close()
		return nil
	}
	r.conns[c] = struct{}{}
	r.open.Add(1)
	r.wg.Add(1)
	r.mu.Unlock()
	go func() {
		defer r.wg.Done()
		c.serve(opened)
		r.mu.Lock()
		delete(r.conns, c)
		r.mu.Unlock()
		r.stats.closed.Add(1)
		if r.open.Add(-1) == 0 && r.state.Load() == stateShutdown {
			r.drainOnce.Do(func() { close(r.drained) })
		}
	}()
	return c
}

// Stats returns the reactor's counters.
func (r *Reactor) Stats() Stats {
	s := Stats{Loops: 1, Open: r.open.Load()}
	r.stats.addTo(&s)
	return s
}

func (r *Reactor) stopServing() []*Conn {
	r.mu.Lock()
	lns := r.lns
	r.lns = nil
	conns := make([]*Conn, 0, len(r.conns))
	for c := range r.conns {
		conns = append(conns, c)
	}
	r.mu.Unlock()
	for _, ln := range lns {
		ln.Close()
	}
	return conns
}

// Shutdown stops accepting, lets every connection finish and closes the
// reactor.
//
// # Cancellation
//
// If ctx ends first, Shutdown closes whatever is left as Close does and
// returns ctx.Err().
func (r *Reactor) Shutdown(ctx context.Context) error {
	if r.state.CompareAndSwap(stateRunning, stateShutdown) {
		for _, c := range r.stopServing() {
			if sh, ok := r.h.(ShutdownHandler); ok {
				c.cb.Lock()
				sh.OnShutdown(c)
				c.cb.Unlock()
			} else {
				c.Close()
			}
		}
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

// Close closes every listener and connection and waits for every
// goroutine the reactor started.
func (r *Reactor) Close() error {
	r.closeOnce.Do(func() {
		r.mu.Lock()
		r.state.Store(stateClosed)
		r.mu.Unlock()
		for _, c := range r.stopServing() {
			c.abort(ErrReactorClosed)
		}
	})
	r.wg.Wait()
	return nil
}
