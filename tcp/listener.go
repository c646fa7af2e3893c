package tcp

import (
	"net"
	"sync"

	"github.com/shio-rt/shio/reactor"
	"github.com/shio-rt/shio/tlslayer"
)

// Listener is a TCP listener on a [Network]. It implements net.Listener;
// its methods are safe for concurrent use.
type Listener struct {
	n     *Network
	rl    *reactor.Listener
	ready chan struct{}        // a token when the queue gained a connection
	done  chan struct{}        // closed by Close
	hs    *tlslayer.Handshaker // ListenTLS: the connections' TLS (set before use)

	mu sync.Mutex
	// Guarded by mu.
	queue  []*Conn
	closed bool
}

func newListener(n *Network, rl *reactor.Listener) *Listener {
	return &Listener{n: n, rl: rl, ready: make(chan struct{}, 1), done: make(chan struct{})}
}

// push queues an accepted connection; it runs on a loop and reports false
// if the listener is closed.
func (ln *Listener) push(c *Conn) bool {
	ln.mu.Lock()
	if ln.closed {
		ln.mu.Unlock()
		return false
	}
	ln.queue = append(ln.queue, c)
	ln.mu.Unlock()
	select {
	case ln.ready <- struct{}{}:
	default:
	}
	return true
}

// Accept waits for and returns the next connection. After Close it
// returns net.ErrClosed.
func (ln *Listener) Accept() (net.Conn, error) {
	for {
		ln.mu.Lock()
		if ln.closed {
			ln.mu.Unlock()
			return nil, &net.OpError{Op: "accept", Net: "tcp", Addr: ln.Addr(), Err: net.ErrClosed}
		}
		if len(ln.queue) > 0 {
			c := ln.queue[0]
			ln.queue[0] = nil
			ln.queue = ln.queue[1:]
			if len(ln.queue) > 0 {
				select {
				case ln.ready <- struct{}{}:
				default:
				}
			}
			ln.mu.Unlock()
			return c, nil
		}
		ln.mu.Unlock()
		select {
		case <-ln.ready:
		case <-ln.done:
		}
	}
}

// Close stops listening. Connections already accepted stay open;
// connections accepted by the system but not yet returned by Accept are
// closed.
func (ln *Listener) Close() error {
	ln.mu.Lock()
	if ln.closed {
		ln.mu.Unlock()
		return &net.OpError{Op: "close", Net: "tcp", Addr: ln.Addr(), Err: net.ErrClosed}
	}
	ln.closed = true
	queue := ln.queue
	ln.queue = nil
	ln.mu.Unlock()
	close(ln.done)
	ln.rl.Close()
	ln.n.mu.Lock()
	delete(ln.n.lns, ln.rl)
	ln.n.mu.Unlock()
	for _, c := range queue {
		c.Close()
	}
	ln.n.release()
	return nil
}

// Addr returns the listener's address.
func (ln *Listener) Addr() net.Addr { return ln.rl.Addr() }
