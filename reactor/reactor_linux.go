//go:build !reactor_portable

package reactor

import (
	"context"
	"errors"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/shio-rt/shio/reactor/internal/poll"
	"golang.org/x/sys/unix"
)

// reactorSys is the Linux part of a Reactor: its loops.
type reactorSys struct {
	loops []*loop
	start time.Time
	next  atomic.Uint32 // round-robin cursor for Dial and Serve

	mu sync.Mutex
	// Guarded by mu.
	served []net.Listener
}

// init starts the loops.
func (r *Reactor) init() error {
	r.start = time.Now()
	for range r.cfg.Loops {
		l, err := newLoop(r)
		if err != nil {
			for _, l := range r.loops {
				l.p.Close()
			}
			return err
		}
		r.loops = append(r.loops, l)
	}
	for _, l := range r.loops {
		r.wg.Add(1)
		go l.run()
	}
	return nil
}

// clock is the reactor's monotonic clock in nanoseconds since New (>= 1).
func (r *Reactor) clock() int64 { return int64(time.Since(r.start)) + 1 }

// monotonic converts a deadline to the loop clock; zero stays zero (none).
func (r *Reactor) monotonic(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return max(int64(t.Sub(r.start)), 1)
}

func (r *Reactor) pick() *loop {
	return r.loops[int(r.next.Add(1))%len(r.loops)]
}

func (r *Reactor) listen(network, address string) (*Listener, error) {
	n := len(r.loops)
	pub := &Listener{listenerSys{r: r}}
	if r.cfg.ReusePort && n > 1 {
		fd, addr, err := poll.Listen(network, address, true, r.cfg.Backlog)
		if err != nil {
			return nil, err
		}
		fds := []int{fd}
		bound := net.JoinHostPort(addr.IP.String(), strconv.Itoa(addr.Port))
		for len(fds) < n {
			fd, _, err := poll.Listen(network, bound, true, r.cfg.Backlog)
			if err != nil {
				for _, fd := range fds {
					unix.Close(fd)
				}
				return nil, err
			}
			fds = append(fds, fd)
		}
		pub.ad = addr
		for _, fd := range fds {
			ln := &listener{fd: fd, pub: pub}
			ln.refs.Store(1)
			pub.lns = append(pub.lns, ln)
		}
		for i, l := range r.loops {
			if !l.post(op{kind: opListen, ln: pub.lns[i]}) {
				pub.lns[i].release()
			}
		}
		return pub, nil
	}
	fd, addr, err := poll.Listen(network, address, false, r.cfg.Backlog)
	if err != nil {
		return nil, err
	}
	pub.ad = addr
	ln := &listener{fd: fd, shared: n > 1, pub: pub}
	ln.refs.Store(int32(n))
	pub.lns = []*listener{ln}
	for _, l := range r.loops {
		if !l.post(op{kind: opListen, ln: ln}) {
			ln.release()
		}
	}
	return pub, nil
}

func (r *Reactor) serve(ln net.Listener) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.state.Load() != stateRunning {
		return ErrReactorClosed
	}
	if tl, ok := ln.(*net.TCPListener); ok {
		fd, err := poll.Dup(tl)
		if err != nil {
			return err
		}
		r.served = append(r.served, ln)
		n := len(r.loops)
		dup := &listener{fd: fd, shared: n > 1}
		dup.refs.Store(int32(n))
		for _, l := range r.loops {
			if !l.post(op{kind: opListen, ln: dup}) {
				dup.release()
			}
		}
		return nil
	}
	r.served = append(r.served, ln)
	r.wg.Add(1)
	go r.acceptFrom(ln)
	return nil
}

// acceptFrom accepts from a listener that is not a *net.TCPListener.
func (r *Reactor) acceptFrom(ln net.Listener) {
	defer r.wg.Done()
	for {
		nc, err := ln.Accept()
		if err != nil {
			if r.state.Load() != stateRunning || errors.Is(err, net.ErrClosed) {
				return
			}
			r.loops[0].stats.acceptErrors.Add(1)
			time.Sleep(10 * time.Millisecond) // out of descriptors: back off
			continue
		}
		c, err := r.adopt(nc, false)
		if err != nil {
			r.loops[0].stats.acceptErrors.Add(1)
			continue
		}
		if !c.loop.post(op{kind: opOpen, c: c}) {
			unix.Close(c.fd)
		}
	}
}

// adopt takes the socket of nc over: it duplicates the descriptor, closes
// nc and returns an unregistered Conn assigned to a loop.
func (r *Reactor) adopt(nc net.Conn, dialed bool) (*Conn, error) {
	defer nc.Close()
	sc, ok := nc.(syscall.Conn)
	if !ok {
		return nil, errors.New("reactor: connection has no file descriptor")
	}
	fd, err := poll.Dup(sc)
	if err != nil {
		return nil, err
	}
	return &Conn{connSys: connSys{dialed: dialed, fd: fd, remote: addrPort(nc.RemoteAddr()), loop: r.pick()}}, nil
}

func (r *Reactor) dial(ctx context.Context, network, address string) (*Conn, error) {
	var d net.Dialer
	nc, err := d.DialContext(ctx, network, address)
	if err != nil {
		return nil, err
	}
	c, err := r.adopt(nc, true)
	if err != nil {
		return nil, err
	}
	done := make(chan error, 1)
	if !c.loop.post(op{kind: opOpen, c: c, done: done}) {
		unix.Close(c.fd)
		return nil, ErrReactorClosed
	}
	select {
	case err := <-done:
		if err != nil {
			return nil, err
		}
		return c, nil
	case <-ctx.Done():
		c.Close()
		return nil, ctx.Err()
	}
}

func (r *Reactor) loopStats() []LoopStats {
	now := r.clock()
	out := make([]LoopStats, len(r.loops))
	for i, l := range r.loops {
		out[i] = l.stats.loopStats(now)
	}
	return out
}

func (r *Reactor) addStats(s *Stats) {
	s.Loops = int64(len(r.loops))
	for _, l := range r.loops {
		l.stats.addTo(s)
	}
}

func (r *Reactor) stopServing() {
	r.mu.Lock()
	served := r.served
	r.served = nil
	r.mu.Unlock()
	for _, ln := range served {
		ln.Close()
	}
}

// beginShutdown stops accepting and has every loop drain its
// connections.
func (r *Reactor) beginShutdown() {
	r.stopServing()
	for _, l := range r.loops {
		l.post(op{kind: opShutdown})
	}
}

// closeAll closes everything at once and waits for the loops.
func (r *Reactor) closeAll() {
	r.state.Store(stateClosed)
	r.stopServing()
	for _, l := range r.loops {
		l.post(op{kind: opStop})
	}
	r.wg.Wait()
}
