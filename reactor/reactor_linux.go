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
// for the goroutines it started (one per loop, one per [Reactor.Serve]).
type Reactor struct {
	cfg   Config
	h     Handler
	loops []*loop
	start time.Time
	next  atomic.Uint32 // round-robin cursor for Dial and Serve
	open  atomic.Int64  // connections open now
	state atomic.Int32
	wg    sync.WaitGroup

	mu sync.Mutex
	// Guarded by mu.
	served []net.Listener

	drained   chan struct{} // closed when no connection is left during Shutdown
	drainOnce sync.Once
	closeOnce sync.Once
}

// New starts cfg.Loops event loops serving connections with h.
func New(cfg Config, h Handler) (*Reactor, error) {
	if h == nil {
		return nil, errors.New("reactor: nil Handler")
	}
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	r := &Reactor{cfg: cfg, h: h, start: time.Now(), drained: make(chan struct{})}
	for range cfg.Loops {
		l, err := newLoop(r)
		if err != nil {
			for _, l := range r.loops {
				l.p.Close()
			}
			return nil, err
		}
		r.loops = append(r.loops, l)
	}
	for _, l := range r.loops {
		r.wg.Add(1)
		go l.run()
	}
	return r, nil
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

// Listen opens a TCP listener on address ("tcp", "tcp4" or "tcp6") and
// serves its connections on the loops. Use port 0 to let the system choose
// and [Listener.Addr] to learn it. Listening does not block.
func (r *Reactor) Listen(network, address string) (*Listener, error) {
	if r.state.Load() != stateRunning {
		return nil, ErrReactorClosed
	}
	n := len(r.loops)
	pub := &Listener{r: r}
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
		pub.addr = addr
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
	pub.addr = addr
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

// Serve serves the connections of ln on the loops. It returns at once.
// A *net.TCPListener is taken over: the loops accept from a duplicate of
// its socket, as for [Reactor.Listen], and ln itself is never read.
// Another listener is accepted from by a goroutine owned by the reactor;
// it must yield connections that are syscall.Conns (the reactor takes
// their sockets over). Shutdown and Close close ln.
func (r *Reactor) Serve(ln net.Listener) error {
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
	go r.serve(ln)
	return nil
}

func (r *Reactor) serve(ln net.Listener) {
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
	return &Conn{fd: fd, remote: addrPort(nc.RemoteAddr()), dialed: dialed, loop: r.pick()}, nil
}

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

// Stats returns the reactor's counters.
func (r *Reactor) Stats() Stats {
	s := Stats{Loops: len(r.loops), Open: r.open.Load()}
	for _, l := range r.loops {
		l.stats.addTo(&s)
	}
	return s
}

// connClosed counts a closed connection and ends the drain phase of
// Shutdown when it was the last.
func (r *Reactor) connClosed() {
	if r.open.Add(-1) == 0 && r.state.Load() == stateShutdown {
		r.drainOnce.Do(func() { close(r.drained) })
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
	if !r.state.CompareAndSwap(stateRunning, stateShutdown) {
		if r.state.Load() == stateClosed {
			return ErrReactorClosed
		}
	} else {
		r.stopServing()
		for _, l := range r.loops {
			l.post(op{kind: opShutdown})
		}
		if r.open.Load() == 0 {
			r.drainOnce.Do(func() { close(r.drained) })
		}
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
// reactor started. It is idempotent.
func (r *Reactor) Close() error {
	r.closeOnce.Do(func() {
		r.state.Store(stateClosed)
		r.stopServing()
		for _, l := range r.loops {
			l.post(op{kind: opStop})
		}
		r.wg.Wait()
	})
	r.wg.Wait()
	return nil
}
