package tlslayer

import (
	"context"
	"crypto/tls"
	"io"
	"slices"
	"sync"
	"time"

	"github.com/shio-rt/shio/reactor"
)

// Conn is the TLS layer of one reactor connection: a [reactor.Layer] over
// a crypto/tls.Conn. [Handshaker.Server] and [Handshaker.Client] install
// it. Its methods are safe for concurrent use.
//
// An idle Conn whose handshake is done holds no goroutine and no buffer of
// its own beyond a partial record: it holds the crypto/tls.Conn, whose
// input buffer keeps the capacity of the largest record it has decoded
// (golang/go#43563), about 17 KiB after one full 16 KiB record; see the
// package documentation for measured figures.
type Conn struct {
	h   *Handshaker
	rc  *reactor.Conn
	raw io.Writer
	tc  *tls.Conn

	// done is closed when the handshake ends, either way.
	done chan struct{}

	mu sync.Mutex
	// Guarded by mu.
	state  state
	err    error         // why the connection failed (stateFailed)
	hsErr  error         // the handshake's outcome, once done is closed
	pend   []byte        // ciphertext not yet handed to crypto/tls (nil when none)
	early  []byte        // plaintext written before the handshake completed
	sig    chan struct{} // wakes the handshake goroutine's Read (nil outside it)
	paused bool          // the layer paused reading (too much handshake input)
	closed bool          // Close or CloseWrite: end a handshake in progress
	expire bool          // the handshake timer fired

	// Owned by the loop, inside Input, once the handshake is done.
	src  []byte // the bytes Input is decoding, cut into records by readRecord
	rest int    // bytes of the current record not yet handed over
}

// state is where a Conn is in its life.
type state uint8

const (
	stateHello     state = iota // server: waiting for the first record
	stateHandshake              // the handshake goroutine runs
	stateOpen                   // decoding on the loop
	stateEOF                    // the peer sent close_notify; input is ignored
	stateFailed                 // err says why
)

func newConn(h *Handshaker, c *reactor.Conn) *Conn {
	l := &Conn{h: h, rc: c, done: make(chan struct{})}
	l.raw = c.SetLayer(l)
	return l
}

// Input implements [reactor.Layer]. It runs on the connection's loop.
func (l *Conn) Input(dst, in []byte) ([]byte, error) {
	l.mu.Lock()
	switch l.state {
	case stateHello:
		l.pend = append(l.pend, in...)
		if len(l.pend) < recordHeaderLen {
			l.mu.Unlock()
			return dst, nil
		}
		if a, err := checkClientHello(l.pend); err != nil {
			l.failLocked(err)
			reply := alertRecord(a)
			if l.h.NotTLS != nil {
				if r := l.h.NotTLS(l.pend[:recordHeaderLen]); r != nil {
					reply = r
				}
			}
			l.pend = nil
			l.mu.Unlock()
			l.raw.Write(reply)
			return dst, err
		}
		if len(l.pend) >= recordLen(l.pend) {
			l.startLocked()
		}
		l.mu.Unlock()
		return dst, nil
	case stateHandshake:
		if len(in) > 0 {
			// Only input that comes while reading is paused counts
			// against the limit: one read can bring a whole
			// ReadBufferSize (64 KiB by default) past the pause
			// threshold, and a client that finished its handshake
			// sends application data while the server's handshake
			// goroutine (late under load) still runs.
			if l.paused && len(l.pend)+len(in) > MaxHandshakeInput {
				l.failLocked(ErrHandshakeInput)
				l.mu.Unlock()
				return dst, ErrHandshakeInput
			}
			l.pend = append(l.pend, in...)
			if len(l.pend) > MaxHandshakeInput/2 && !l.paused {
				l.paused = true
				l.rc.PauseRead()
			}
			l.signalLocked()
		}
		l.mu.Unlock()
		return dst, nil
	case stateOpen:
		l.mu.Unlock()
		return l.decode(dst, in)
	case stateEOF:
		l.mu.Unlock()
		return dst, nil // after close_notify input is ignored (RFC 8446 6.1)
	default:
		err := l.err
		l.mu.Unlock()
		return dst, err
	}
}

// decode hands crypto/tls the held partial record and in, one record at a
// time, and appends the plaintext to dst. It keeps a trailing partial
// record in pend.
func (l *Conn) decode(dst, in []byte) ([]byte, error) {
	src := in
	if len(l.pend) > 0 {
		l.pend = append(l.pend, in...)
		src = l.pend
	}
	l.src = src
	var err error
	for {
		if cap(dst)-len(dst) < maxPlaintext {
			dst = slices.Grow(dst, maxPlaintext)
		}
		var n int
		n, err = l.tc.Read(dst[len(dst):cap(dst)])
		dst = dst[:len(dst)+n]
		if err != nil {
			break
		}
	}
	left := l.src
	l.src = nil
	switch {
	case len(left) == 0:
		l.pend = nil
	case len(l.pend) > 0: // left is the tail of pend
		l.pend = l.pend[:copy(l.pend, left)]
	default:
		l.pend = append([]byte(nil), left...)
	}
	switch {
	case err == errWouldBlock:
		return dst, nil
	case err == io.EOF:
		l.mu.Lock()
		l.state = stateEOF
		l.pend = nil
		l.mu.Unlock()
		return dst, io.EOF // the reactor treats it as the peer's FIN
	}
	l.mu.Lock()
	l.failLocked(err)
	l.mu.Unlock()
	return dst, err
}

// readRecord is the pipe's Read after the handshake: the next record if
// it has arrived whole, or the rest of the current one (which the
// handshake may have begun, or a short b cut).
func (l *Conn) readRecord(b []byte) (int, error) {
	if l.rest > 0 {
		k := copy(b, l.src[:min(len(l.src), l.rest)])
		if k == 0 {
			return 0, errWouldBlock
		}
		l.src = l.src[k:]
		l.rest -= k
		return k, nil
	}
	n := recordLen(l.src)
	switch {
	case n == 0:
		return 0, errWouldBlock
	case n > recordHeaderLen+maxCiphertext:
		n = recordHeaderLen // crypto/tls rejects the header itself
	case n > len(l.src):
		return 0, errWouldBlock
	}
	l.rest = n
	k := copy(b, l.src[:l.rest])
	l.src = l.src[k:]
	l.rest -= k
	return k, nil
}

// readHandshakeLocked is the pipe's Read during the handshake, on the
// handshake goroutine: it waits for ciphertext and hands over at most the
// rest of one record, so that the loop knows where records start after
// the handshake. It is called with mu held and releases it.
func (l *Conn) readHandshakeLocked(b []byte) (int, error) {
	for !(l.rest > 0 && len(l.pend) > 0 || l.rest == 0 && len(l.pend) >= recordHeaderLen) {
		switch {
		case l.closed:
			l.mu.Unlock()
			return 0, ErrClosed
		case l.expire:
			l.mu.Unlock()
			return 0, ErrHandshakeTimeout
		}
		sig := l.sig
		l.mu.Unlock()
		<-sig
		l.mu.Lock()
	}
	if l.rest == 0 {
		l.rest = recordLen(l.pend)
		if l.rest > recordHeaderLen+maxCiphertext {
			l.rest = recordHeaderLen // crypto/tls rejects the header itself
		}
	}
	k := copy(b, l.pend[:min(len(l.pend), l.rest)])
	l.rest -= k
	l.pend = l.pend[k:]
	if len(l.pend) == 0 {
		l.pend = nil
	}
	resume := l.paused && len(l.pend) <= MaxHandshakeInput/4
	if resume {
		l.paused = false
	}
	l.mu.Unlock()
	if resume {
		l.rc.ResumeRead()
	}
	return k, nil
}

// startLocked starts the handshake goroutine.
func (l *Conn) startLocked() {
	l.state = stateHandshake
	l.sig = make(chan struct{}, 1)
	l.h.wg.Add(1)
	l.h.active.Add(1)
	l.h.start(l)
}

func (l *Conn) signalLocked() {
	select {
	case l.sig <- struct{}{}:
	default:
	}
}

// handshake runs the handshake on its own goroutine, then hands the
// connection back to the loop.
func (l *Conn) handshake() {
	defer l.h.wg.Done()
	defer l.h.active.Add(-1)
	if d := l.h.timeout(); d > 0 {
		t := time.AfterFunc(d, func() {
			l.mu.Lock()
			l.expire = true
			l.signalLocked()
			l.mu.Unlock()
		})
		defer t.Stop()
	}
	err := l.tc.Handshake()
	for err == nil {
		// Send what the handler wrote meanwhile, in order: Output holds
		// new writes here until the state is open.
		l.mu.Lock()
		b := l.early
		l.early = nil
		if len(b) == 0 {
			break // mu held
		}
		l.mu.Unlock()
		_, err = l.tc.Write(b)
	}
	if err != nil {
		l.mu.Lock()
	}
	l.sig = nil
	l.early = nil
	resume := l.paused
	l.paused = false
	l.hsErr = err
	switch {
	case err != nil:
		l.failLocked(err)
		l.pend = nil
	case l.closed:
		l.hsErr = ErrClosed
		l.failLocked(ErrClosed)
		l.pend = nil
	default:
		l.state = stateOpen
	}
	close(l.done)
	l.mu.Unlock()
	if resume {
		l.rc.ResumeRead() // calls Input, as WakeLayer does
	} else {
		l.rc.WakeLayer()
	}
}

func (l *Conn) failLocked(err error) {
	if l.state != stateFailed {
		l.state = stateFailed
		l.err = err
	}
}

// Output implements [reactor.Layer]: it encrypts p into records written to
// the connection's outbound queue. Before the handshake completes it holds
// p (up to [MaxEarlyWrite] bytes in all) and sends it after.
func (l *Conn) Output(p []byte) (int, error) {
	l.mu.Lock()
	switch l.state {
	case stateOpen, stateEOF:
		l.mu.Unlock()
		return l.tc.Write(p)
	case stateFailed:
		err := l.err
		l.mu.Unlock()
		return 0, err
	}
	if len(l.early)+len(p) > MaxEarlyWrite {
		l.mu.Unlock()
		return 0, ErrEarlyWrite
	}
	l.early = append(l.early, p...)
	l.mu.Unlock()
	return len(p), nil
}

// CloseWrite sends close_notify if the handshake is done; otherwise it
// ends the handshake. The reactor calls it before a graceful close.
func (l *Conn) CloseWrite() error {
	l.mu.Lock()
	switch l.state {
	case stateOpen, stateEOF:
		l.mu.Unlock()
		return l.tc.CloseWrite()
	}
	l.closeLocked()
	l.mu.Unlock()
	return nil
}

// Close ends a handshake in progress, whose goroutine then exits promptly,
// and makes later input and output fail. The protocol calls it from its
// OnClose; it sends nothing (the connection is gone) and is idempotent.
func (l *Conn) Close() error {
	l.mu.Lock()
	l.closeLocked()
	if l.state != stateHandshake {
		l.failLocked(ErrClosed)
	}
	l.mu.Unlock()
	return nil
}

func (l *Conn) closeLocked() {
	l.closed = true
	if l.sig != nil {
		l.signalLocked()
	}
}

// Handshake waits until the handshake has ended and returns its error (nil
// if it completed), or ctx's error. It must not be called from the
// connection's loop, whose input the handshake needs.
//
// # Cancellation
//
// A cancelled Handshake returns ctx.Err() and leaves the handshake running;
// it goes on to its end (bounded by [Handshaker.Timeout]).
func (l *Conn) Handshake(ctx context.Context) error {
	select {
	case <-l.done:
	case <-ctx.Done():
		return ctx.Err()
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.hsErr
}

// HandshakeDone returns a channel closed when the handshake ends.
func (l *Conn) HandshakeDone() <-chan struct{} { return l.done }

// ConnectionState returns the state of the TLS connection: the version,
// cipher suite, negotiated protocol (ALPN), server name, peer certificates
// and whether the session was resumed. Before the handshake completes it
// returns the zero state.
func (l *Conn) ConnectionState() tls.ConnectionState {
	select {
	case <-l.done:
		return l.tc.ConnectionState()
	default:
		return tls.ConnectionState{}
	}
}

// TLS returns the underlying crypto/tls connection, for its read-only
// methods (ConnectionState, OCSPResponse, ExportKeyingMaterial...). Its
// Read, Write and Close must not be called: the layer drives them.
func (l *Conn) TLS() *tls.Conn { return l.tc }
