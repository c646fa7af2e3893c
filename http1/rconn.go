package http1

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/shio-rt/shio/internal/obs"
	"github.com/shio-rt/shio/reactor"
	"github.com/shio-rt/shio/tcp"
	"github.com/shio-rt/shio/tlslayer"
)

// pendingHighWater is how many received bytes a connection keeps for a
// running request before the reactor stops reading it.
const pendingHighWater = 64 << 10

// writeHighWater is how many queued response bytes make a Handler's write
// wait for the client to read.
const writeHighWater = 256 << 10

// directRead is the size from which a body read goes to the socket itself
// (reactor.Conn.TryRead) rather than through pending.
const directRead = 16 << 10

// headerGrace is how long after the header timeout the reactor's read
// deadline closes a connection whose 408 could not be sent.
const headerGrace = time.Second

var connPool = sync.Pool{New: func() any { return new(conn) }}

// wakePool holds the wake channels of request goroutines, so that an idle
// connection holds none.
var wakePool = sync.Pool{New: func() any { return make(chan struct{}, 1) }}

// phase is where a reactor connection is in its life: who drives it, and
// so who owns its conn. Every change of phase happens under rconn.mu.
//
//	  +---------------- park: nothing left -----------------+
//	  |          +----- park: a partial head left ----------+
//	  v          v                                          |
//	idle ------> head -----------------------------------> running ------> hijacked
//	  | OnData:  |    OnData: a complete head               ^  |   Hijack
//	  | partial  |                                          |  |
//	  +----------)----- OnData: a complete head ------------+  | close
//	  |          |                                             v
//	  +----------+----- malformed head, 408, EOF, shutdown --> ending
//
//	any phase ---OnClose---> closed
//
// The transitions, with the goroutine each happens on:
//
//	from        event                                        on       to
//	idle        OnData: an incomplete head                   loop     head
//	idle, head  OnData: a complete head                      loop     running
//	idle, head  OnData: a malformed head (answered 4xx)      loop     ending
//	idle, head  OnEOF; OnShutdown                            loop*    ending
//	head        the header timer expires (answered 408)      timer    ending
//	running     nothing left to read, no partial head        request  idle
//	running     nothing left to read, a partial head         request  head
//	running     close: EOF, shutdown, an error, "close"      request  ending
//	running     a Handler hijacks the connection             request  hijacked
//	any         OnClose                                      loop     closed
//
// (*) OnShutdown also runs on Shutdown's goroutine for connections on a
// tcp Network's loops. The loop leaves idle and head only for a phase it
// saw under mu: the header timer or Shutdown may have moved the
// connection to ending meanwhile, which wins.
type phase uint8

const (
	// phaseIdle: between requests. No goroutine, no conn (cn is nil);
	// the idle deadline runs.
	phaseIdle phase = iota
	// phaseHead: a partial head waits in cn's buffer, parsed on the loop
	// as bytes arrive; the header timer runs.
	phaseHead
	// phaseRunning: a request goroutine owns cn and answers the requests
	// received; the loop appends what arrives to pending and wakes it.
	phaseRunning
	// phaseHijacked: a Handler took the connection over; its tcp.Conn
	// receives the events (reactor.Conn.Handoff).
	phaseHijacked
	// phaseEnding: the connection is closing (after a final response, a
	// rejection, the client's EOF or a shutdown); bytes that still arrive
	// are discarded.
	phaseEnding
	// phaseClosed: OnClose ran; reads and writes fail with its error.
	phaseClosed
)

// rconn is a connection on the reactor, and the reactor path's
// [transport]. While no request runs it is driven by the loop's callbacks
// and holds no goroutine and, between requests, no buffer (its conn goes
// back to a pool; only a connection with a partial head keeps one). Once a
// head is complete a goroutine runs the request (and any pipelined behind
// it) through conn, reading body bytes that the loop hands over in
// pending, and lets go of the connection when no complete request is left.
// See [phase] for the life of a connection.
type rconn struct {
	s *Server
	c *reactor.Conn

	// cn is the protocol state, owned by whoever the phase says drives the
	// connection: the loop in idle, head and ending (it parses heads in
	// cn's buffer; OnClose recycles what is left), the request goroutine
	// in running and, when they are entered from running, in hijacked and
	// closed until it lets go (releaseLocked recycles it). It changes hands
	// only together with the phase, under mu, so its owner reads and writes
	// it without mu.
	cn *conn

	// Owned by the loop goroutine.
	//
	// tracked: the server tracks the connection in Server.rconns (it runs
	// on a tcp Network's loops); set in OnOpen, read in OnClose to untrack
	// it. A flag, not the handler's foreign: a connection opened as
	// Shutdown began is refused untracked.
	tracked bool
	// tl is the connection's TLS layer (nil without TLS); set in OnOpen.
	tl *tlslayer.Conn

	// Owned by the request goroutine: each one's ownership ends, and the
	// next one's begins, under mu.
	remote string // the client's address, once a request has needed it
	// How long Read and Write may wait for the client (0: no bound),
	// counted from when a wait begins, so that the common write that never
	// waits costs no clock reading.
	readFor, writeFor time.Duration

	mu sync.Mutex
	// Guarded by mu.
	phase phase
	// pending holds received bytes not yet taken by cn: body or pipelined
	// bytes that arrived while a request runs, or that did not fit in cn's
	// buffer behind a head.
	pending []byte
	// wake signals the request goroutine (bytes, EOF, close, drain). It is
	// taken from wakePool when the connection enters running and returned
	// when the goroutine lets go; the goroutine receives from it without
	// mu.
	wake chan struct{}
	ctx  *requestContext // the running request's, ended by OnClose
	err  error           // why the connection closed, once closed
	reqs int64           // requests begun on the connection (for reactor.Conns)
	// reqAt is when the bytes of the running request arrived (an
	// obs.Now reading, from the clock read for their responses' Date):
	// the request's age in reactor.Conns. Written by whoever hands the
	// requests over (the loop, before the request goroutine starts; then
	// that goroutine under mu); read under mu.
	reqAt int64
	h     *reactorHandler // the handler; a hijacked connection's tcp.Conn reports its close to it
	// hdr answers 408 when a partial head is not completed by hdrAt; it
	// exists only in phase head.
	hdr   *time.Timer
	hdrAt time.Time

	// Facts beside the phase, each with its reason to be a flag of its own.
	//
	// eof: the client half-closed. It is a fact about the peer, not about
	// who drives the connection: in running the request goroutine reads
	// it as io.EOF after the pending bytes, and a hijacked connection's
	// tcp.Conn gets it after the bytes handed over.
	eof bool
	// shutdown: the reactor asked the connection to shut down (the
	// Server's Shutdown or that of the tcp Network it runs on, which can
	// happen without the Server's); in running the goroutine closes the
	// connection after its response.
	shutdown bool
	// paused (running only): the loop stopped reading because pending
	// reached pendingHighWater; reading resumes below half of it, so the
	// flag is the hysteresis and cannot be derived from len(pending).
	paused bool
	// stale (running only): the idle deadline armed when the running
	// request began no longer holds (it passed while the request ran, or
	// a body read replaced it), so going idle must arm it again.
	stale bool
	// reading (running only): Read waits for body bytes under the body's
	// read deadline, which then closes the connection when it passes
	// (see OnReadTimeout).
	reading bool
	// direct (running only): the request goroutine paused the loop's
	// reads to read body bytes from the socket itself, straight into the
	// Handler's buffer; reading resumes when the socket runs dry, the body
	// is read whole, or the request ends; under TLS the layer decodes
	// into that buffer (tlslayer's TryInput). noDirect: the reactor
	// cannot (outside Linux).
	direct, noDirect bool
	// hooks: ConnState's and ConnContext's, only when the Server has
	// one (set in OnOpen, read-only after).
	hooks *connHooks
	// fresh: no request has started yet, so the header timeout runs from
	// the accept (hdrAt, set by armFirst), as in net/http.
	fresh bool
}

// setPhaseLocked moves the connection to p (every transition goes
// through here) and does what leaving and entering phases take: leaving
// head stops the header timer, entering head starts it, entering running
// takes a wake channel for the request goroutine (releaseLocked returns
// it).
func (rc *rconn) setPhaseLocked(p phase) {
	if p == rc.phase {
		return
	}
	if rc.hdr != nil {
		rc.hdr.Stop()
		rc.hdr = nil
	}
	rc.phase = p
	switch p {
	case phaseHead:
		rc.armHeaderLocked()
	case phaseRunning:
		rc.wake = wakePool.Get().(chan struct{})
	}
}

// advanceLocked moves a connection the loop drives (idle or head) to
// next, and reports whether it could: the header timer or Shutdown may
// have moved it to ending since the loop last looked, and that wins.
func (rc *rconn) advanceLocked(next phase) bool {
	if rc.phase != phaseIdle && rc.phase != phaseHead {
		return false
	}
	rc.setPhaseLocked(next)
	return true
}

// releaseLocked ends the request goroutine's ownership of the connection
// (the one place that does): it returns the wake channel, resumes reading
// if it was paused, and moves the connection to next: head (cn keeps the
// partial head and goes to the loop; the header timer starts), idle (cn
// goes back to the pool; the idle deadline is armed again if it went
// stale) or ending. A connection that was hijacked or closed meanwhile
// stays so. Everywhere but in head, cn is recycled here.
func (rc *rconn) releaseLocked(cn *conn, next phase) {
	stale := rc.stale
	rc.stale = false
	rc.releaseWakeLocked()
	if rc.phase != phaseRunning {
		next = rc.phase // hijacked or closed under the goroutine
	}
	rc.setPhaseLocked(next)
	rc.endDirectLocked()
	if next != phaseHead {
		rc.pending = releasePooled(rc.pending)
		rc.cn = nil
		cn.recycle()
		if next == phaseIdle && stale {
			rc.armIdle()
		}
	}
	rc.resumeLocked()
}

// releaseWakeLocked returns the wake channel to the pool, if the
// goroutine still has it (hijack returns it early).
func (rc *rconn) releaseWakeLocked() {
	if rc.wake == nil {
		return
	}
	select {
	case <-rc.wake: // a signal nobody waited for
	default:
	}
	wakePool.Put(rc.wake)
	rc.wake = nil
}

// signalLocked wakes the request goroutine, if there is one.
func (rc *rconn) signalLocked() {
	select {
	case rc.wake <- struct{}{}:
	default:
	}
}

// queueLocked keeps data for the request goroutine and wakes it, and
// stops reading once pendingHighWater bytes wait (so pending holds at most
// that and one read more). It takes all of data: bytes left to the
// reactor would be copied into a fresh buffer of their own on every pause
// (the allocation churn of a large upload).
func (rc *rconn) queueLocked(data []byte) int {
	rc.pending = appendPooled(rc.pending, data)
	rc.signalLocked()
	if len(rc.pending) >= pendingHighWater && !rc.paused {
		rc.paused = true
		rc.c.PauseRead()
	}
	return len(data)
}

// takeLocked drops the first n pending bytes, which the request goroutine
// has taken.
func (rc *rconn) takeLocked(n int) {
	rc.pending = rc.pending[n:]
	if len(rc.pending) == 0 {
		rc.pending = releasePooled(rc.pending)
	}
	rc.resumeLocked()
}

// resumeLocked resumes reading, stopped by queueLocked, once fewer than
// half of pendingHighWater bytes wait, unless the request goroutine reads
// the socket itself (direct).
func (rc *rconn) resumeLocked() {
	if rc.paused && len(rc.pending) < pendingHighWater/2 {
		rc.paused = false
		if !rc.direct {
			rc.c.ResumeRead()
		}
	}
}

// endDirectLocked gives reading back to the loop after the request
// goroutine read the socket itself.
func (rc *rconn) endDirectLocked() {
	if rc.direct {
		rc.direct = false
		if !rc.paused {
			rc.c.ResumeRead()
		}
	}
}

// closedErrLocked returns why the connection closed, or nil while it is
// open.
func (rc *rconn) closedErrLocked() error {
	switch {
	case rc.phase != phaseClosed:
		return nil
	case rc.err != nil:
		return rc.err
	}
	return reactor.ErrClosed
}

// armIdle arms the reactor's read deadline for IdleTimeout: an idle
// connection closes without a word when it passes.
func (rc *rconn) armIdle() { rc.armIdleAt(time.Now()) }

// armIdleAt is armIdle with the clock already read.
func (rc *rconn) armIdleAt(now time.Time) {
	if d := timeout(rc.s.IdleTimeout, DefaultIdleTimeout); d > 0 {
		rc.c.SetReadDeadline(now.Add(d))
	} else {
		rc.c.SetReadDeadline(time.Time{})
	}
}

// armFirst arms the reactor's read deadline for ReadHeaderTimeout from the
// accept: a connection that sends no complete head by then closes (without
// a word if it sent nothing, with 408 if it sent part of one), as in
// net/http, rather than being held for IdleTimeout.
func (rc *rconn) armFirst() {
	d := timeout(rc.s.ReadHeaderTimeout, DefaultReadHeaderTimeout)
	if d <= 0 {
		rc.armIdle()
		return
	}
	rc.fresh = true
	rc.hdrAt = time.Now().Add(d)
	rc.c.SetReadDeadline(rc.hdrAt)
}

// armHeaderLocked starts the header timeout as the connection enters
// phase head: when it expires the client gets 408 Request Timeout and the
// connection closes, as in net/http. A timer (not the reactor's read
// deadline, which closes without a word) sends the 408; the read deadline
// stays as a backstop.
func (rc *rconn) armHeaderLocked() {
	d := timeout(rc.s.ReadHeaderTimeout, DefaultReadHeaderTimeout)
	if d <= 0 {
		return
	}
	if rc.fresh {
		d = max(time.Until(rc.hdrAt), 0) // the first head's time runs from the accept
	} else {
		rc.hdrAt = time.Now().Add(d)
	}
	rc.c.SetReadDeadline(rc.hdrAt.Add(headerGrace))
	rc.hdr = time.AfterFunc(d, rc.headerExpired)
}

// headerExpired answers 408 and closes the connection if its partial head
// is still incomplete. It runs on the timer's goroutine.
func (rc *rconn) headerExpired() {
	rc.mu.Lock()
	if rc.phase != phaseHead || time.Now().Before(rc.hdrAt) {
		rc.mu.Unlock()
		return // completed, closed, or re-armed meanwhile
	}
	rc.setPhaseLocked(phaseEnding)
	rc.mu.Unlock()
	rc.s.stats.rejected.Add(1)
	rc.c.Write(appendReject(nil, http.StatusRequestTimeout, "request head not received in time"))
	rc.lingerClose()
}

// run is the request goroutine: it answers the requests that have
// arrived, then lets go of the connection, parked or closing.
func (rc *rconn) run(base context.Context) {
	defer rc.s.wg.Done()
	cn := rc.cn // ours: the loop handed it over with the phase
	if rc.remote == "" {
		rc.remote = rc.c.RemoteAddr().String()
	}
	cn.remoteAddr = rc.remote
	next := phaseEnding
	switch cn.run(base) {
	case runPark:
		return // fillHead let go already
	case runHijacked:
		next = phaseHijacked // as hijack made it (or closed since)
	}
	u := cn.upgraded
	gaveUp := cn.mustClose // cn is recycled by releaseLocked
	rc.mu.Lock()
	rc.releaseLocked(cn, next)
	rc.mu.Unlock()
	if u != nil {
		u.letGo(rc)
	}
	if next == phaseEnding {
		if gaveUp {
			rc.lingerClose()
		} else {
			rc.c.Close()
		}
	}
}

// lingerClose closes a connection the server gave up on while the client
// may still be sending (a body left unread past what the server drains, a
// refused request): the reactor shuts the write side once the response
// is out and discards what still arrives until the client closes or
// lingerFor has passed, as the goroutine path's lingerClose and net/http's
// closeWriteAndWait, whatever the reactor's own LingerTimeout (a
// tcp.Network's closes at once, as net.Conn.Close does, and the unread
// input would make the kernel reset the connection under the response).
func (rc *rconn) lingerClose() {
	rc.c.SetLingerTimeout(lingerFor)
	rc.c.Close()
}

// fillHead moves received bytes into cn's buffer (headMore) or, with none
// left, lets go of the connection (headPark) or reports that it must close
// (headClose). Responses to the requests answered go out first.
func (rc *rconn) fillHead(cn *conn, first bool) headResult {
	if !cn.flush() {
		return headClose
	}
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if len(rc.pending) > 0 {
		if first && cn.r == cn.w {
			// The next request came before this goroutine let go: the
			// connection is idle between the two and active again, as
			// net/http reports every request, and as the loop does when
			// it starts one. (Begun in cn's buffer, readHead said so.)
			rc.setState(http.StateIdle)
			rc.setState(http.StateActive)
		}
		rc.moveLocked(cn)
		cn.now = time.Now() // the Date of the requests just moved
		rc.reqAt = obs.At(cn.now)
		return headMore
	}
	if rc.phase == phaseClosed || rc.eof || rc.shutdown || rc.s.shuttingDown.Load() {
		if rc.phase != phaseClosed && cn.r == cn.w {
			// Idle after every response that could be followed by
			// another, as net/http reports it, even when the client
			// has left meanwhile (StateClosed, when the close takes
			// effect, comes after).
			rc.setState(http.StateIdle)
		}
		return headClose
	}
	// Park: a partial head stays in cn's buffer (the loop's parser resumes
	// on it); an idle connection gives cn, buffers and all, to the pool.
	next := phaseIdle
	if cn.r < cn.w {
		next = phaseHead
	} else {
		rc.setState(http.StateIdle)
	}
	rc.releaseLocked(cn, next)
	return headPark
}

// moveLocked copies pending bytes to the end of cn's buffer.
func (rc *rconn) moveLocked(cn *conn) {
	if cn.r == cn.w {
		cn.r, cn.w = 0, 0
	}
	if cn.w == len(cn.buf) && !cn.makeRoom() {
		return // the head overflows the limits; the parser reports it
	}
	n := copy(cn.buf[cn.w:], rc.pending)
	cn.w += n
	rc.takeLocked(n)
}

// Read is the request goroutine's blocking read of body bytes. Bytes the
// loop already handed over (pending) come first; with none, a large p is
// filled from the socket itself (reactor.Conn.TryRead), the loop's reads
// paused meanwhile, so that an upload costs one copy, the kernel's. While
// Read waits, the body's read timeout (readFor) runs on the reactor's read
// deadline, which then closes the connection (see OnReadTimeout); the idle
// deadline this replaces is armed again when the connection goes idle.
func (rc *rconn) Read(p []byte) (n int, err error) {
	armed, tried := false, false
	rc.mu.Lock()
	for len(rc.pending) == 0 {
		if err = rc.closedErrLocked(); err == nil && rc.eof {
			err = io.EOF
		}
		if err != nil {
			break
		}
		if rc.phase == phaseHijacked {
			// The bytes are the hijacker's (its tcp.Conn got those
			// received), and nothing wakes this goroutine any more.
			err = http.ErrHijacked
			break
		}
		// A large read goes to the socket itself, and so does any read
		// while the loop's reads are paused for it (a chunked body's
		// framing between two large chunks), which would otherwise cost
		// a resume of the loop for a few bytes.
		if !tried && (len(p) >= directRead || rc.direct) && !rc.noDirect {
			tried = true
			if n, err = rc.readDirectLocked(p); n > 0 || err != nil {
				break
			}
			continue // nothing there: the loop reads again; look before waiting
		}
		rc.endDirectLocked() // a wait hears from the loop
		arm := !armed && rc.readFor > 0
		if arm {
			armed, rc.reading = true, true
		}
		rc.mu.Unlock()
		if arm {
			rc.c.SetReadDeadline(time.Now().Add(rc.readFor))
		}
		<-rc.wake
		tried = false
		rc.mu.Lock()
	}
	if n == 0 && err == nil {
		n = copy(p, rc.pending)
		rc.takeLocked(n)
	}
	if armed {
		rc.stale, rc.reading = true, false
	}
	rc.mu.Unlock()
	if armed {
		rc.c.SetReadDeadline(time.Time{})
	}
	return n, err
}

// tryRead is Read without the wait: the bytes the loop handed over, or
// what the socket holds now, or none.
func (rc *rconn) tryRead(p []byte) (int, error) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if len(rc.pending) == 0 && !rc.noDirect && !rc.eof && rc.closedErrLocked() == nil {
		if n, err := rc.readDirectLocked(p); n > 0 || err != nil {
			return n, err
		}
	}
	n := copy(p, rc.pending)
	rc.takeLocked(n)
	return n, nil
}

// readDirectLocked reads into p from the socket, with rc.mu held (and
// released during the read), pausing the loop's reads; with nothing to
// read it gives reading back to the loop, which reports what comes next.
// Bytes the loop delivered meanwhile were read before p's: they stay
// ahead, and p's join them in pending.
func (rc *rconn) readDirectLocked(p []byte) (int, error) {
	if !rc.direct {
		rc.direct = true
		rc.c.PauseRead()
	}
	rc.mu.Unlock()
	n, err := rc.c.TryRead(p)
	rc.mu.Lock()
	switch {
	case errors.Is(err, errors.ErrUnsupported):
		rc.noDirect = true
		rc.endDirectLocked()
		return 0, nil
	case err != nil:
		return 0, err
	case n == 0:
		rc.endDirectLocked()
		return 0, nil
	case len(rc.pending) > 0:
		rc.pending = append(rc.pending, p[:n]...)
		return 0, nil
	}
	return n, nil
}

// Write writes p to the connection from the request goroutine (see
// writev).
func (rc *rconn) Write(p []byte) (int, error) { return rc.writev(nil, p) }

// writev writes head and then p, and returns how many bytes of p it
// wrote. A large write goes to the socket from the request goroutine
// while the socket takes it, head and body in one writev(2), copying
// nothing, and waits for the client to read (OnDrain) when it does not. A
// small one, or any write under TLS, goes through reactor.Conn.Write: the
// socket takes what it can at once and the reactor queues the rest, but
// never more than writeHighWater bytes of it, so that a client that reads
// slowly holds no more of the server's memory than that. Each wait is
// bounded by the write timeout (or deadline), on the reactor's write
// deadline, which closes the connection if the client has not read by
// then.
func (rc *rconn) writev(head, p []byte) (n int, err error) {
	for len(head)+len(p) >= largeWrite && !rc.noDirect && rc.tl == nil { // TLS: encode through the layer
		m, err := rc.c.TryWritev(head, p)
		if errors.Is(err, errors.ErrUnsupported) {
			rc.noDirect = true
			break
		}
		k := max(m-len(head), 0)
		head, p, n = head[min(m, len(head)):], p[k:], n+k
		if err != nil || len(head)+len(p) == 0 {
			return n, err
		}
		if err := rc.waitDrain(); err != nil {
			return n, err
		}
	}
	if len(head) > 0 {
		if _, err := rc.queue(head); err != nil {
			return n, err
		}
	}
	m, err := rc.queue(p)
	return n + m, err
}

// tlsQueueMax is writeHighWater under TLS: the layer's records reach the
// socket straight while it takes them and the reactor's queue holds the
// rest, in a buffer it pools up to 64 KiB; a larger mark made it grow to
// 256 KiB by doubling, a new one (not pooled) for each burst, which cost a
// 1 MiB response over TLS more (allocation, zeroing, copies) than the
// extra waits for the client that a smaller one costs.
const tlsQueueMax = 48 << 10

// queue writes p through reactor.Conn.Write, at most writeHighWater
// bytes queued at a time (tlsQueueMax under TLS).
func (rc *rconn) queue(p []byte) (n int, err error) {
	high := writeHighWater
	if rc.tl != nil {
		high = tlsQueueMax
	}
	for len(p) > 0 {
		queued := rc.c.Buffered()
		if queued <= high/2 {
			chunk := p[:min(len(p), high-queued)]
			if d := rc.writeFor; !writesQueue && d > 0 {
				// The portable reactor's Write waits for the socket (and
				// Buffered stays 0, so waitDrain never arms it): bound
				// each chunk's wait by the write timeout, as waitDrain
				// bounds each wait for a drain.
				rc.c.SetWriteDeadline(time.Now().Add(d))
			}
			m, err := rc.c.Write(chunk)
			n += m
			p = p[len(chunk):]
			if err != nil {
				return n, err
			}
			continue
		}
		if err := rc.waitDrain(); err != nil {
			return n, err
		}
	}
	return n, nil
}

// waitDrain waits for news from the loop (OnDrain, or any other), the
// wait bounded by the write timeout, and returns the connection's error
// if it closed.
func (rc *rconn) waitDrain() error {
	if d := rc.writeFor; d > 0 {
		rc.c.SetWriteDeadline(time.Now().Add(d)) // each wait: progress, not total
	}
	rc.mu.Lock()
	err := rc.closedErrLocked()
	if err == nil && rc.phase == phaseHijacked {
		err = http.ErrHijacked // no wake channel any more (see hijack)
	}
	rc.mu.Unlock()
	if err != nil {
		return err
	}
	<-rc.wake
	return nil
}

// Close closes the connection gracefully after its queued output.
func (rc *rconn) Close() error { return rc.c.Close() }

// The deadlines of Read and Write are only recorded, and armed on the
// reactor.Conn if the call has to wait for the client.
func (rc *rconn) readTimeout(d time.Duration)  { rc.readFor = d }
func (rc *rconn) readDeadline(t time.Time)     { rc.readFor = until(t) }
func (rc *rconn) writeTimeout(d time.Duration) { rc.writeFor = d }
func (rc *rconn) writeDeadline(t time.Time)    { rc.writeFor = until(t) }

// begin makes ctx the running request's context (its LocalAddr the
// reactor.Conn's), ended at once if the client has left (closed, or sent
// its FIN after the requests still to answer). The loop ends it when the
// client leaves later (OnEOF, OnClose): it watches every connection.
func (rc *rconn) begin(ctx *requestContext) {
	ctx.local = rc.c
	beginTask(ctx, rc.reqAt)
	rc.mu.Lock()
	rc.ctx = ctx
	rc.reqs++
	gone := rc.phase == phaseClosed || rc.eof
	rc.mu.Unlock()
	if gone {
		ctx.clientGone()
	}
}

// watchPeer gives reading back to the loop if the body was read from the
// socket directly: the loop watches the connection from then on.
func (rc *rconn) watchPeer(*conn, *requestContext) {
	rc.mu.Lock()
	rc.endDirectLocked()
	rc.mu.Unlock()
}

// end ends the running request's context.
func (rc *rconn) end(ctx *requestContext) {
	rc.mu.Lock()
	rc.ctx = nil
	rc.mu.Unlock()
	endTask(ctx)
	ctx.cancel(context.Canceled)
}

// hijack hands the connection to a tcp.Conn for a Handler that takes it
// over: the bytes received and not yet read (after the head, or already
// pending) go to it first, and tcp.Adopt hands the reactor connection to
// it (reactor.Conn.Handoff), with what the reactor kept unconsumed and the
// client's FIN if it came; the tcp.Conn's close still reaches this
// handler's OnClose, which counts the connection until then. This is the
// one place that makes a tcp.Conn of a reactor connection.
func (rc *rconn) hijack(cn *conn) (net.Conn, io.Reader, error) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if err := rc.closedErrLocked(); err != nil {
		return nil, nil, err
	}
	rc.endDirectLocked()                                    // the tcp.Conn reads through the loop
	unread := append(cn.buf[cn.r:cn.w:cn.w], rc.pending...) // Adopt copies it
	tc, err := tcp.Adopt(rc.c, unread, func(err error) { rc.h.OnClose(rc.c, err) })
	if err != nil {
		return nil, nil, err
	}
	cn.r = cn.w
	rc.pending = releasePooled(rc.pending)
	rc.setPhaseLocked(phaseHijacked)
	// The loop no longer wakes this goroutine (the tcp.Conn has the
	// connection; a body Read now fails at once, see Read), so the wake
	// channel goes back to the pool now, not when the Handler returns.
	rc.releaseWakeLocked()
	rc.setState(http.StateHijacked)
	return tc, tc, nil
}
