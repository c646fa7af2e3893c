//go:build !linux || reactor_portable

package reactor

import (
	"context"
	"errors"
	"net"
	"sync"
	"time"
)

// reactorSys is the portable part of a Reactor: it runs over the standard
// library's net package with a goroutine per listener and per connection.
type reactorSys struct {
	stats counters

	mu sync.Mutex
	// Guarded by mu.
	lns   []net.Listener
	conns map[*Conn]struct{}
}

func (r *Reactor) init() error {
	r.conns = map[*Conn]struct{}{}
	return nil
}

func (r *Reactor) listen(network, address string) (*Listener, error) {
	ln, err := net.Listen(network, address)
	if err != nil {
		return nil, err
	}
	pub := &Listener{listenerSys{ln: ln}}
	if err := r.serveOn(ln, pub); err != nil {
		ln.Close()
		return nil, err
	}
	return pub, nil
}

func (r *Reactor) serve(ln net.Listener) error { return r.serveOn(ln, nil) }

func (r *Reactor) serveOn(ln net.Listener, pub *Listener) error {
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

func (r *Reactor) dial(ctx context.Context, network, address string) (*Conn, error) {
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
	c := &Conn{ln: pub, opened: portableClock(), connSys: connSys{dialed: opened != nil, r: r, nc: nc, wake: make(chan struct{}, 1)}}
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
		r.connClosed()
	}()
	return c
}

func (r *Reactor) loopStats() []LoopStats {
	s := r.stats.loopStats(0)
	s.Open = r.open.Load()
	return []LoopStats{s}
}

func (r *Reactor) addStats(s *Stats) {
	s.Loops = 1
	r.stats.addTo(s)
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

// beginShutdown stops accepting and asks every connection to finish.
func (r *Reactor) beginShutdown() {
	for _, c := range r.stopServing() {
		c.shutdown()
	}
}

// closeAll closes everything at once.
func (r *Reactor) closeAll() {
	r.mu.Lock()
	r.state.Store(stateClosed)
	r.mu.Unlock()
	for _, c := range r.stopServing() {
		c.abort(ErrReactorClosed)
	}
}
