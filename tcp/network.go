package tcp

import (
	"context"
	"sync"
	"time"

	"github.com/shio-rt/shio/reactor"
	"github.com/shio-rt/shio/tlslayer"
)

// Network is a reactor whose connections are served as [Conn]s.
//
// Create it with [New]; its methods are safe for concurrent use. Close it
// when done: that closes every listener and connection it made.
type Network struct {
	r *reactor.Reactor

	// events maps a *reactor.Listener to the reactor.Handler its
	// connections go to (see Listener.ServeEvents).
	events sync.Map

	mu sync.Mutex
	// Guarded by mu.
	lns     map[*reactor.Listener]*Listener
	private bool // made by the package-level Listen or Dial
	handles int  // private: Listener and Conn handles not yet closed
	closed  bool
	hss     []*tlslayer.Handshaker // TLS listeners' and dials': Close waits for their handshakes
}

// New starts a Network on a reactor configured by cfg. cfg.LingerTimeout
// defaults to -1 here (close as soon as the output is flushed), the
// behaviour of net.Conn.Close, and cfg.IdleTimeout to -1 (none: a Conn
// has the deadlines its user sets, as a net.Conn does).
func New(cfg reactor.Config) (*Network, error) {
	if cfg.LingerTimeout == 0 {
		cfg.LingerTimeout = -1
	}
	if cfg.IdleTimeout == 0 {
		cfg.IdleTimeout = -1
	}
	n := &Network{lns: map[*reactor.Listener]*Listener{}}
	r, err := reactor.New(cfg, &handler{n: n})
	if err != nil {
		return nil, err
	}
	n.r = r
	return n, nil
}

// Listen announces on the local address ("tcp", "tcp4" or "tcp6").
// It does not block.
func (n *Network) Listen(network, address string) (*Listener, error) {
	return n.listen(network, address, nil)
}

// listen is Listen, with TLS on every connection if hs is not nil.
func (n *Network) listen(network, address string, hs *tlslayer.Handshaker) (*Listener, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.closed {
		return nil, reactor.ErrReactorClosed
	}
	rl, err := n.r.Listen(network, address)
	if err != nil {
		return nil, err
	}
	ln := newListener(n, rl)
	if hs != nil {
		ln.hs = hs
		n.hss = append(n.hss, hs)
	}
	n.lns[rl] = ln
	if n.private {
		n.handles++
	}
	return ln, nil
}

// Dial connects to address ("tcp", "tcp4" or "tcp6").
//
// # Cancellation
//
// If ctx ends before the connection is established, Dial returns
// ctx.Err() and leaves no connection behind.
func (n *Network) Dial(ctx context.Context, network, address string) (*Conn, error) {
	rc, err := n.r.Dial(ctx, network, address)
	if err != nil {
		return nil, err
	}
	c := rc.Attachment().(*Conn)
	n.mu.Lock()
	if n.private {
		n.handles++
	}
	n.mu.Unlock()
	return c, nil
}

// Close closes every listener and connection of the Network and waits for
// its goroutines.
func (n *Network) Close() error {
	n.mu.Lock()
	n.closed = true
	n.mu.Unlock()
	err := n.r.Close()
	n.waitHandshakes()
	return err
}

// waitHandshakes waits for the TLS handshake goroutines, which the
// connections' close has ended.
func (n *Network) waitHandshakes() {
	n.mu.Lock()
	hss := n.hss
	n.mu.Unlock()
	for _, hs := range hss {
		hs.Wait()
	}
}

// release drops one handle of a private Network and closes the Network
// with the last one. It runs on the goroutine that closed the handle,
// never on a loop.
func (n *Network) release() {
	n.mu.Lock()
	if !n.private {
		n.mu.Unlock()
		return
	}
	n.handles--
	last := n.handles == 0
	if last {
		n.closed = true
	}
	n.mu.Unlock()
	if last {
		// Flush what is queued, then close; bounded so Close never hangs.
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		n.r.Shutdown(ctx)
		n.waitHandshakes()
	}
}

// private returns a Network that closes itself when its last handle is
// closed.
func privateNetwork() (*Network, error) {
	n, err := New(reactor.Config{Loops: 1})
	if err != nil {
		return nil, err
	}
	n.private = true
	return n, nil
}

// Listen announces on the local address on a private Network, which is
// closed when the Listener and every connection it accepted are closed.
func Listen(network, address string) (*Listener, error) {
	n, err := privateNetwork()
	if err != nil {
		return nil, err
	}
	ln, err := n.Listen(network, address)
	if err != nil {
		n.Close()
		return nil, err
	}
	return ln, nil
}

// Dial connects to address on a private Network, which is closed when the
// Conn is closed.
//
// # Cancellation
//
// If ctx ends before the connection is established, Dial returns
// ctx.Err() and leaves nothing behind.
func Dial(ctx context.Context, network, address string) (*Conn, error) {
	n, err := privateNetwork()
	if err != nil {
		return nil, err
	}
	c, err := n.Dial(ctx, network, address)
	if err != nil {
		n.Close()
		return nil, err
	}
	return c, nil
}

// handler is the reactor's handler: it hands every connection, as it
// opens, to the handler that serves it (a Conn's own, or the one a
// listener serves events with), so that later events reach it directly.
type handler struct{ n *Network }

func (h *handler) OnOpen(rc *reactor.Conn) {
	if ev := h.n.delegate(rc); ev != nil {
		rc.Handoff(ev)
		return
	}
	c := newConn(h.n, rc)
	rc.Handoff((*events)(c))
	if rc.Dialed() {
		rc.Attach(c) // Dial picks it up
		return
	}
	h.n.mu.Lock()
	ln := h.n.lns[rc.Listener()]
	if ln != nil && h.n.private {
		h.n.handles++
	}
	h.n.mu.Unlock()
	if ln != nil && ln.hs != nil {
		c.tl = ln.hs.Server(rc)
	}
	if ln == nil || !ln.push(c) {
		rc.Close()
		if ln != nil {
			h.n.mu.Lock()
			if h.n.private {
				h.n.handles--
			}
			h.n.mu.Unlock()
		}
	}
}

// The connection is handed off before any other event: these callbacks
// are never called.

func (h *handler) OnData(rc *reactor.Conn, data []byte) int { return len(data) }
func (h *handler) OnClose(rc *reactor.Conn, err error)      {}
