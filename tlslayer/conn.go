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

// Conn is the TLS layer of one reactor connection: a [reactor.Layer] (and
// a [reactor.DirectLayer]) over a crypto/tls.Conn. [Handshaker.Server]
// and [Handshaker.Client] install it. Its methods are safe for concurrent
// use; Input and TryInput are the reactor's to call.
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

	mu sync.Mutex
	// Guarded by mu.
	state    state
	closed   bool // Close or CloseWrite: end a handshake in progress
	hsFailed bool // the handshake ended with err (its first failure)
	// done is closed when the handshake ends, either way; it is made
	// only for a caller that waits for that (Handshake, HandshakeDone)
	// before it happens, so that a connection nobody waits on (HTTPS)
	// does not carry a channel for its life.
	done chan struct{}
	err  error    // why the connection failed (stateFailed)
	pend []byte   // ciphertext not yet handed to crypto/tls (nil when none)
	hs   *hsState // nil once the handshake has ended

	// Owned by the loop, inside Input, once the handshake is done, or by
	// a TryInput caller (the reactor excludes the two); pend too, then.
	// src is the bytes Input is decoding, cut into records by readRecord;
	// inside TryInput, those read ahead into the caller's buffer not yet
	// handed over, with the rest of that buffer as its capacity.
	src  []byte
	rest int // bytes of the current record not yet handed over (also the handshake's)
	// overhead is the least a record adds to its plaintext in the
	// negotiated version (set when the handshake completes).
	overhead uint8
	// direct: TryInput runs; crypto/tls's reads go to the socket
	// (readDirect) rather than to src.
	direct bool
	// noSock: inside TryInput, readDirect hands over what pend and src
	// hold and reads the socket no more; filled: it has read ahead.
	noSock, filled bool
	// aheadMax bounds the read-ahead inside TryInput to the last
	// aheadMax bytes of the caller's buffer: behind the largest
	// plaintext of the records begun.
	aheadMax int32
	// eofDue: TryInput decoded close_notify; the next Input reports it.
	eofDue bool
	// hdr receives the next record's header during TryInput, read with
	// the end of the current record (pend then holds it).
	hdr [recordHeaderLen]byte
}

// hsState is what a Conn needs only until its handshake ends; it is
// dropped then, so that an idle connection does not carry it. Guarded by
// the Conn's mu, except slot.
type hsState struct {
	sig   chan struct{} // wakes the handshake goroutine's Read (nil until it is admitted)
	early []byte        // plaintext written before the handshake completed
	timer *time.Timer   // the handshake timeout, from the ClientHello (or Client)
	// waiting is when the running handshake began to wait for its
	// peer's input (zero while it computes or before it runs): the
	// handshaker sheds the one that has waited longest when
	// connections wait for a slot.
	waiting time.Time
	// slot is l's index in Handshaker.running while it runs, -1
	// otherwise. Guarded by the Handshaker's mu.
	slot   int
	paused bool // the layer paused reading (too much handshake input)
	expire bool // the handshake timer fired
	queued bool // waiting for a slot (Handshaker.queue)
	shed   bool // ended to make room for a waiting connection
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
	l := &Conn{h: h, rc: c, hs: &hsState{slot: -1}}
	l.raw = c.SetLayer(l)
	return l
}

// Input implements [reactor.Layer]. It runs on the connection's loop.
func (l *Conn) Input(dst, in []byte) ([]byte, error) {
	l.mu.Lock()
	switch l.state {
	case stateHello:
		if len(in) > 0 && l.hs.timer == nil {
			l.armLocked() // the handshake's time runs from its first byte
		}
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
		if len(l.pend) < recordLen(l.pend) {
			l.mu.Unlock()
			return dst, nil
		}
		l.pend = fragmentHello(l.pend)
		l.startLocked()
		l.mu.Unlock()
		l.h.admit(l)
		return dst, nil
	case stateHandshake:
		if len(in) > 0 {
			// Only input that comes while reading is paused counts
			// against the limit: one read can bring a whole
			// ReadBufferSize (64 KiB by default) past the pause
			// threshold, and a client that finished its handshake
			// sends application data while the server's handshake
			// goroutine (late under load) still runs.
			if l.hs.paused && len(l.pend)+len(in) > MaxHandshakeInput {
				l.failLocked(ErrHandshakeInput)
				l.mu.Unlock()
				return dst, ErrHandshakeInput
			}
			l.pend = append(l.pend, in...)
			if len(l.pend) > MaxHandshakeInput/2 && !l.hs.paused {
				l.hs.paused = true
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
		due := l.eofDue
		l.eofDue = false
		l.mu.Unlock()
		if due {
			return dst, io.EOF // TryInput decoded it: the stream ends now
		}
		return dst, nil // after close_notify input is ignored (RFC 8446 6.1)
	default:
		err := l.err
		l.mu.Unlock()
		return dst, err
	}
}

// decodeLimit bounds the plaintext one Input appends to a dst that has
// less room: the reactor keeps a scratch buffer of up to 64 KiB for the
// next call, and a larger one would be allocated anew for every read.
const decodeLimit = 64 << 10

// decode hands crypto/tls the held partial record and in, one record at a
// time, and appends the plaintext to dst. It keeps a trailing partial
// record in pend. The held record is completed from the front of in and
// decoded alone, so that a read is never copied whole into pend. Records
// whose plaintext would take dst past decodeLimit wait in pend, and the
// layer asks the loop (WakeLayer) to call Input again for them.
func (l *Conn) decode(dst, in []byte) ([]byte, error) {
	limit := max(cap(dst), decodeLimit)
	ovh := int(l.overhead)
	var err error
	for len(l.pend) > 0 {
		for k := l.pendNeed(); k > 0 && len(in) > 0; k = l.pendNeed() {
			k = min(k, len(in)) // the header first, then the rest
			l.pend = append(l.pend, in[:k]...)
			in = in[k:]
		}
		if l.pendNeed() > 0 {
			return dst, nil // in is used up
		}
		// Plaintext is shorter than its records: grow dst once for
		// them, not record by record (which would copy what it holds
		// at every growth).
		dst = slices.Grow(dst, plaintextBound(l.pend, l.rest, ovh))
		var left []byte
		dst, left, err = l.decodeFrom(dst, l.pend)
		if err != nil || len(left) == len(l.pend) {
			return l.stop(dst, err)
		}
		l.pend = l.pend[:copy(l.pend, left)]
		if len(l.pend) == 0 {
			l.pend = nil
		}
	}
	cut, bound := fitRecords(in, l.rest, ovh, limit-len(dst))
	dst = slices.Grow(dst, bound)
	dst, left, err := l.decodeFrom(dst, in[:cut])
	if err != nil {
		return l.stop(dst, err)
	}
	if cut < len(in) {
		// Whole records left for the next call (left is empty: cut is
		// a record boundary).
		l.pend = append([]byte(nil), in[cut:]...)
		l.rc.WakeLayer()
	} else if len(left) > 0 {
		// Room for the whole record, which the next reads complete.
		l.pend = make([]byte, len(left), max(len(left), min(recordLen(left), recordHeaderLen+maxCiphertext)))
		copy(l.pend, left)
	}
	return dst, nil
}

// pendNeed returns how many bytes the record pend holds the start of
// still lacks (its header first), or 0 if pend holds a whole record.
func (l *Conn) pendNeed() int { return max(0, l.pendRecordLen()-len(l.pend)) }

// pendRecordLen returns the length of the record pend begins, as far as
// it is known: a header's worth while its header is incomplete.
func (l *Conn) pendRecordLen() int {
	switch {
	case l.rest > 0:
		return l.rest
	case len(l.pend) < recordHeaderLen:
		return recordHeaderLen
	}
	return min(recordLen(l.pend), recordHeaderLen+maxCiphertext)
}

// decodeFrom hands crypto/tls the whole records of src and appends their
// plaintext to dst, returning what is left of src (a partial record). Its
// error is nil when crypto/tls has used up what it was given.
func (l *Conn) decodeFrom(dst, src []byte) ([]byte, []byte, error) {
	l.src = src
	var err error
	for {
		if len(dst) == cap(dst) {
			if n := recordLen(l.src); l.rest == 0 && (n == 0 || n > len(l.src)) {
				// dst holds the plaintext bound of the records handed
				// over, so crypto/tls holds none of theirs: done.
				err = errWouldBlock
				break
			}
			dst = slices.Grow(dst, maxPlaintext)
		}
		var n int
		n, err = l.tc.Read(dst[len(dst):cap(dst)])
		dst = dst[:len(dst)+n]
		if err != nil {
			break
		}
		if len(l.src) == 0 && l.rest == 0 && len(dst) < cap(dst) {
			// Every byte handed over, and crypto/tls had room for all
			// the plaintext it held: nothing is left to decode, so spare
			// the call that would only find that out (errWouldBlock).
			break
		}
	}
	left := l.src
	l.src = nil
	if err == errWouldBlock {
		err = nil
	}
	return dst, left, err
}

// stop ends decoding with err: io.EOF (close_notify) ends the stream,
// any other error the connection.
func (l *Conn) stop(dst []byte, err error) ([]byte, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if err == io.EOF {
		l.state = stateEOF
		l.pend = nil
		return dst, io.EOF // the reactor treats it as the peer's FIN
	}
	if err == nil {
		err = errStuck
	}
	l.failLocked(err)
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
		case l.hs.expire:
			l.mu.Unlock()
			return 0, ErrHandshakeTimeout
		case l.hs.shed:
			l.mu.Unlock()
			return 0, ErrHandshakeShed
		}
		if l.hs.waiting.IsZero() {
			l.hs.waiting = time.Now()
		}
		sig := l.hs.sig
		l.mu.Unlock()
		<-sig
		l.mu.Lock()
	}
	l.hs.waiting = time.Time{}
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
	resume := l.hs.paused && len(l.pend) <= MaxHandshakeInput/4
	if resume {
		l.hs.paused = false
	}
	l.mu.Unlock()
	if resume {
		l.rc.ResumeRead()
	}
	return k, nil
}

// startLocked counts the handshake in and arms its timer, unless the
// first bytes of a server's ClientHello armed it; the caller then admits
// it ([Handshaker.admit]) once mu is released.
func (l *Conn) startLocked() {
	l.state = stateHandshake
	l.h.wg.Add(1)
	if l.hs.timer == nil {
		l.armLocked()
	}
}

// armLocked arms the handshake timer.
func (l *Conn) armLocked() {
	if d := l.h.timeout(); d > 0 {
		l.hs.timer = time.AfterFunc(d, l.expire)
	}
}

// expire ends the handshake at its timeout: a running one at its next
// read, a waiting one at once, and a server's whose ClientHello has not
// arrived whole at once, on its loop.
func (l *Conn) expire() {
	h := l.h
	h.mu.Lock()
	l.mu.Lock()
	if l.hs == nil {
		l.mu.Unlock()
		h.mu.Unlock()
		return
	}
	l.hs.expire = true
	if l.state == stateHello {
		l.failLocked(ErrHandshakeTimeout)
		l.pend = nil
		l.mu.Unlock()
		h.mu.Unlock()
		l.rc.WakeLayer() // Input reports it: the connection closes
		return
	}
	if l.hs.queued {
		h.unqueueLocked(l)
		paused := l.endLocked(ErrHandshakeTimeout) // unlocks
		h.mu.Unlock()
		l.wake(paused)
		return
	}
	l.signalLocked()
	l.mu.Unlock()
	h.mu.Unlock()
}

func (l *Conn) signalLocked() {
	if l.hs == nil || l.hs.sig == nil {
		return
	}
	select {
	case l.hs.sig <- struct{}{}:
	default:
	}
}

// handshake runs the handshake on its own goroutine, then hands the
// connection back to the loop.
func (l *Conn) handshake() {
	err := l.tc.Handshake()
	for err == nil {
		// Send what the handler wrote meanwhile, in order: Output holds
		// new writes here until the state is open.
		l.mu.Lock()
		b := l.hs.early
		l.hs.early = nil
		if len(b) == 0 {
			break // mu held
		}
		l.mu.Unlock()
		_, err = l.tc.Write(b)
	}
	if err != nil {
		l.mu.Lock()
	}
	shed := l.hs.shed
	if err == nil && l.closed {
		err = ErrClosed
	}
	l.mu.Unlock()
	l.h.release(l, shed)
	l.mu.Lock()
	l.wake(l.endLocked(err)) // unlocks
}

// endLocked ends the handshake with err (nil: it completed) and drops the
// handshake state. It is called with mu held and releases it; the caller
// then calls wake with its result, once it holds no lock.
func (l *Conn) endLocked(err error) (paused bool) {
	hs := l.hs
	l.hs = nil
	if hs.timer != nil {
		hs.timer.Stop()
	}
	if err != nil {
		l.hsFailed = true
		l.failLocked(err)
		l.pend = nil
	} else {
		l.state = stateOpen
		l.overhead = minOverhead
		if l.tc.ConnectionState().Version == tls.VersionTLS13 {
			l.overhead = minOverhead13
		}
	}
	if l.done != nil {
		close(l.done)
	}
	l.mu.Unlock()
	l.h.wg.Done()
	return hs.paused
}

// wake has the loop call Input, to deliver what the ended handshake left
// or the error that ends the connection.
func (l *Conn) wake(paused bool) {
	if paused {
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
	if len(l.hs.early)+len(p) > MaxEarlyWrite {
		l.mu.Unlock()
		return 0, ErrEarlyWrite
	}
	l.hs.early = append(l.hs.early, p...)
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
	l.mu.Unlock()
	l.end(false)
	return nil
}

// Close ends a handshake in progress, whose goroutine then exits promptly,
// and makes later input and output fail. The protocol calls it from its
// OnClose; it sends nothing (the connection is gone) and is idempotent.
func (l *Conn) Close() error {
	l.end(true)
	return nil
}

// end ends a handshake in progress or waiting for a slot, and with fail
// makes later input and output fail.
func (l *Conn) end(fail bool) {
	h := l.h
	h.mu.Lock()
	l.mu.Lock()
	l.closed = true
	if l.hs != nil && l.hs.queued {
		h.unqueueLocked(l)
		paused := l.endLocked(ErrClosed) // unlocks
		h.mu.Unlock()
		l.wake(paused)
		return
	}
	h.mu.Unlock()
	l.signalLocked()
	if l.hs != nil && l.hs.timer != nil && l.state != stateHandshake {
		l.hs.timer.Stop() // armed by a first record never finished, or refused
	}
	if fail && l.state != stateHandshake {
		l.failLocked(ErrClosed)
	}
	l.mu.Unlock()
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
	case <-l.HandshakeDone():
	case <-ctx.Done():
		return ctx.Err()
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.hsFailed {
		return l.err
	}
	return nil
}

// HandshakeDone returns a channel closed when the handshake ends.
func (l *Conn) HandshakeDone() <-chan struct{} {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.hs == nil {
		return closedChan
	}
	if l.done == nil {
		l.done = make(chan struct{})
	}
	return l.done
}

// closedChan is HandshakeDone's answer once the handshake has ended.
var closedChan = func() chan struct{} {
	c := make(chan struct{})
	close(c)
	return c
}()

// ConnectionState returns the state of the TLS connection: the version,
// cipher suite, negotiated protocol (ALPN), server name, peer certificates
// and whether the session was resumed. Before the handshake completes it
// returns the zero state.
func (l *Conn) ConnectionState() tls.ConnectionState {
	l.mu.Lock()
	ended := l.hs == nil
	l.mu.Unlock()
	if !ended {
		return tls.ConnectionState{}
	}
	return l.tc.ConnectionState()
}

// TLS returns the underlying crypto/tls connection, for its read-only
// methods (ConnectionState, OCSPResponse, ExportKeyingMaterial...). Its
// Read, Write and Close must not be called: the layer drives them.
func (l *Conn) TLS() *tls.Conn { return l.tc }
