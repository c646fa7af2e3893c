package tlslayer

import (
	"crypto/tls"
	"sync"
	"sync/atomic"
	"time"

	"github.com/shio-rt/shio/internal/gopool"
	"github.com/shio-rt/shio/reactor"
)

// DefaultHandshakeTimeout bounds a handshake when [Handshaker.Timeout] is
// zero.
const DefaultHandshakeTimeout = 10 * time.Second

// DefaultMaxHandshakes bounds the handshakes running at once when
// [Handshaker.MaxHandshakes] is zero. One core completes about a thousand
// TLS 1.3 handshakes a second, so the bound only matters for handshakes
// that wait on their peers.
const DefaultMaxHandshakes = 1024

// ShedAfter is how long a running handshake may wait on its peer while
// other connections wait for a slot before it is ended to make room (see
// [Handshaker.MaxHandshakes]).
const ShedAfter = time.Second

const (
	// MaxHandshakeInput bounds the ciphertext the layer holds for a
	// handshake that has not read it yet. Past half of it the layer
	// pauses reading the socket until the handshake catches up (the read
	// that crossed it may bring a whole reactor read buffer); input past
	// all of it that arrives while reading is paused ends the connection
	// with [ErrHandshakeInput].
	MaxHandshakeInput = 4 * maxCiphertext

	// MaxEarlyWrite bounds what a handler may write before the
	// handshake completes; the layer holds it and sends it after.
	MaxEarlyWrite = 64 << 10
)

// A Handshaker starts TLS on reactor connections with one configuration,
// and owns the goroutines that run their handshakes. Set its fields before
// first use; it must not be copied after.
//
// A handshake runs on a goroutine of its own: crypto/tls cannot resume a
// handshake that stopped for lack of input, so the handshake must be able
// to block. A server connection starts it only once the peer's first
// record (the ClientHello) has arrived whole, so a peer that connects and
// says nothing costs no goroutine. Once the handshake is done the
// connection is driven from its loop and holds no goroutine. The
// goroutines come from a pool that keeps a few warm (their stacks already
// grown through the crypto) for up to about ten seconds after their last
// handshake; [Handshaker.Wait] ends them.
type Handshaker struct {
	// TLS is the configuration, as for tls.Server or tls.Client. It must
	// not be nil, and must not be modified once in use (GetCertificate
	// and GetConfigForClient may return new values at any time).
	TLS *tls.Config

	// Timeout bounds each handshake, from the first byte a server
	// receives (or a client's Client call) to its end, including the
	// rest of the ClientHello and any wait for a slot (MaxHandshakes):
	// a peer that stalls anywhere in it is closed when it passes. Zero
	// means [DefaultHandshakeTimeout]; negative means none. The wait for
	// a server's first byte is bounded by the protocol's read deadline,
	// not by Timeout.
	Timeout time.Duration

	// MaxHandshakes bounds the handshakes that run at once, each on a
	// goroutine of its own. A connection whose handshake would pass it
	// waits for a slot holding no goroutine (its ClientHello, the
	// layer and its timer: about 4 KB with its reactor connection),
	// newest first, until Timeout.
	// While connections wait, a running handshake that has waited on
	// its peer for more than [ShedAfter] (or half of Timeout, if less)
	// is ended with [ErrHandshakeShed] to make room: a flood of clients
	// that send a ClientHello and then stall holds at most
	// MaxHandshakes goroutines, and cannot keep the slots from clients
	// that complete their handshakes. Zero means
	// [DefaultMaxHandshakes]; negative means no bound.
	MaxHandshakes int

	// NotTLS, if not nil, answers a server connection whose first five
	// bytes cannot start a ClientHello record: it returns what to send
	// before the close in place of the fatal alert, or nil for the alert.
	// An HTTPS server uses it to tell a plain-HTTP client what happened,
	// as net/http does. It runs on the connection's loop and must not
	// block; head is only valid during the call.
	NotTLS func(head []byte) []byte

	wg     sync.WaitGroup
	active atomic.Int64

	mu sync.Mutex
	// Guarded by mu.
	running   []*Conn     // handshakes on a goroutine, each at its hsState.slot
	queue     []*Conn     // handshakes waiting for a slot, oldest first
	shedding  int         // running handshakes told to end to make room
	shedTimer *time.Timer // rechecks shedding while the queue is not empty (nil: not armed)

	poolOnce sync.Once
	// pool runs the handshakes on warm goroutines: a handshake calls deep
	// into crypto (ML-KEM, ECDSA), and a fresh goroutine would grow its
	// stack through it every time.
	pool gopool.Pool[*Conn]
}

// Server installs a TLS server layer on c and returns it. It must be
// called from one of c's callbacks, normally OnOpen, as
// [reactor.Conn.SetLayer] must; the protocol calls [Conn.Close] from its
// OnClose.
func (h *Handshaker) Server(c *reactor.Conn) *Conn {
	if h.TLS == nil {
		panic("tlslayer: Handshaker.TLS is nil")
	}
	l := newConn(h, c)
	l.tc = tls.Server((*pipe)(l), h.TLS)
	return l
}

// Client installs a TLS client layer on c, starts the handshake and
// returns the layer. It must be called from one of c's callbacks, as
// Server. The handler may write at once: what it writes is sent after the
// handshake (up to [MaxEarlyWrite]).
func (h *Handshaker) Client(c *reactor.Conn) *Conn {
	if h.TLS == nil {
		panic("tlslayer: Handshaker.TLS is nil")
	}
	l := newConn(h, c)
	l.tc = tls.Client((*pipe)(l), h.TLS)
	l.mu.Lock()
	l.startLocked()
	l.mu.Unlock()
	h.admit(l)
	return l
}

// Wait waits for the handshakes started so far to end, and for the
// goroutines that ran them (kept warm for the next handshakes, for up to
// about ten seconds) to exit. A handshake ends when it completes, fails,
// times out, or when its connection's [Conn.Close] is called; a server
// calls Wait after its connections have closed. Handshakes may still
// start after Wait, on goroutines that exit when they end.
func (h *Handshaker) Wait() {
	h.wg.Wait()
	h.mu.Lock()
	if h.shedTimer != nil {
		h.shedTimer.Stop()
		h.shedTimer = nil
	}
	h.mu.Unlock()
	h.pool.Close()
}

// Active returns the number of handshakes in progress, each holding a
// goroutine.
func (h *Handshaker) Active() int { return int(h.active.Load()) }

// Waiting returns the number of handshakes waiting for a slot (see
// MaxHandshakes), which hold no goroutine.
func (h *Handshaker) Waiting() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.queue)
}

func (h *Handshaker) max() int {
	if h.MaxHandshakes == 0 {
		return DefaultMaxHandshakes
	}
	return h.MaxHandshakes
}

func (h *Handshaker) shedAfter() time.Duration {
	if d := h.timeout(); d > 0 && d/2 < ShedAfter {
		return d / 2
	}
	return ShedAfter
}

func (h *Handshaker) timeout() time.Duration {
	switch {
	case h.Timeout == 0:
		return DefaultHandshakeTimeout
	case h.Timeout < 0:
		return 0
	}
	return h.Timeout
}
