//go:build !reactor_portable

package reactor

import (
	"errors"
	"io"
	"net"
	"net/netip"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/shio-rt/shio/reactor/internal/poll"
	"golang.org/x/sys/unix"
)

// connSys is the Linux part of a Conn.
type connSys struct {
	loop   *loop
	fd     int
	remote netip.AddrPort

	// Owned by the loop goroutine.
	h           Handler // the connection's handler (Handoff replaces it)
	layer       Layer   // set under mu by SetLayer, on the loop; read by writers under mu
	in          []byte  // unconsumed input (nil when none)
	lastActive  int64   // loop clock of the last read or write
	phase       phase
	eof         bool // the peer's FIN has been read
	readPending bool // input may be waiting while reading is stopped
	// pausedIn: the handler paused reading in its last OnData (even if
	// another goroutine has resumed it since, before OnData returned): its
	// opResume presents the kept input before the loop reads more (see
	// loop.read).
	pausedIn   bool
	shutdownWR bool        // shutdown(SHUT_WR) done
	again      bool        // on loop.again
	layerWake  bool        // WakeLayer came while reading was stopped
	dialed     bool        // Dial made it (set before the loop has it)
	idx        int32       // slot in loop.conns, the tag in epoll data
	paused     atomic.Bool // PauseRead

	// Deadlines as loop clock values; 0 means none. Set from any
	// goroutine, acted on by the loop.
	readAt  atomic.Int64
	writeAt atomic.Int64

	// flags holds fBackpressure (the queue passed the high-water mark),
	// fClosing (Close called: mirrors closeReq for lock-free reads) and
	// fHanding (next is set: mirrors it for lock-free reads), in one word
	// so that a Conn stays in its size class; its upper bits hold the
	// connection's own linger (see lingerShift).
	flags atomic.Uint32

	// direct holds TryRead's exclusion from the loop's reads, as flags in
	// one word (it fits where the bools above leave padding). Dekker's:
	// each side sets its flag, then looks at the other's, in one atomic
	// operation. dLoopReading covers a loop's read and the delivery of its
	// bytes; dDirect, set under mu, a TryRead in progress. dSkipped: the
	// loop passed over a read because of one, so the TryRead asks it to
	// read again when done. dKept: the handler left input unconsumed
	// (c.in), which TryRead must not overtake. dPauseCalled: PauseRead was
	// called since the loop cleared it before an OnData (loop.present:
	// did OnData pause, even if another goroutine has resumed since?).
	direct atomic.Uint32

	mu sync.Mutex
	// Guarded by mu.
	out       []byte  // queued output, out[off:] not yet written
	outBox    *[]byte // the pool's box for out's buffer (see getOut)
	off       int
	inHandler bool    // a callback for this conn is running on the loop
	closeReq  bool    // Close called
	cwReq     bool    // CloseWrite called
	closed    bool    // the descriptor is closed; nothing may touch fd
	watching  bool    // EPOLLOUT is registered (only while out is non-empty)
	wantDrain bool    // a write was queued; call OnDrain when empty
	waitOut   bool    // a SendFile found the socket full: watch for writability, then OnDrain
	layerShut bool    // the layer's CloseWrite has been called
	next      Handler // a hand-off not yet taken effect
	err       error
}

// Flags in connSys.direct.
const (
	dLoopReading uint32 = 1 << iota
	dDirect
	dSkipped
	dKept
	dPauseCalled
)

// Flags in connSys.flags.
const (
	fBackpressure uint32 = 1 << iota
	fClosing
	fHanding
)

// The bits of connSys.flags above the flags hold the connection's own
// linger (SetLingerTimeout), in milliseconds: 0 for the reactor's
// LingerTimeout, lingerAtOnce for none. Kept there, it costs no memory.
const (
	lingerShift         = 8
	lingerAtOnce uint32 = 1<<(32-lingerShift) - 1
	lingerMaxMS         = lingerAtOnce - 1 // about 4.66 hours
)

func (c *Conn) setLingerTimeout(d time.Duration) {
	var v uint32
	switch {
	case d < 0:
		v = lingerAtOnce
	case d > 0:
		v = uint32(min((d+time.Millisecond-1)/time.Millisecond, time.Duration(lingerMaxMS)))
	}
	for {
		old := c.flags.Load()
		if c.flags.CompareAndSwap(old, old&(1<<lingerShift-1)|v<<lingerShift) {
			return
		}
	}
}

// lingerTimeout returns how long c's Close lingers: its own linger, or
// the reactor's (def).
func (c *Conn) lingerTimeout(def time.Duration) time.Duration {
	switch v := c.flags.Load() >> lingerShift; v {
	case 0:
		return def
	case lingerAtOnce:
		return -1
	default:
		return time.Duration(v) * time.Millisecond
	}
}

func (c *Conn) flag(f uint32) bool { return c.flags.Load()&f != 0 }
func (c *Conn) setFlag(f uint32)   { c.flags.Or(f) }
func (c *Conn) clearFlag(f uint32) { c.flags.And(^f) }

// notePause records a PauseRead call for loop.present.
func (c *Conn) notePause() { c.direct.Or(dPauseCalled) }

// phase is where a connection is in its life, as the loop sees it.
type phase uint8

const (
	phaseOpen      phase = iota
	phaseLingering       // FIN sent after Close; discarding input until the peer's FIN
	phaseDead
)

func (c *Conn) write(p []byte) (int, error) {
	c.mu.Lock()
	if ly := c.layer; ly != nil {
		c.mu.Unlock()
		return ly.Output(p)
	}
	return c.writeLocked(p)
}

// writeRaw writes beneath the layer.
func (c *Conn) writeRaw(p []byte) (int, error) {
	c.mu.Lock()
	return c.writeLocked(p)
}

// writeLocked is Write without a layer. It is called with c.mu held and
// releases it.
func (c *Conn) writeLocked(p []byte) (int, error) {
	if c.closed || c.closeReq || c.cwReq {
		err := c.err
		c.mu.Unlock()
		if err == nil {
			err = ErrClosed
		}
		return 0, err
	}
	if len(p) == 0 {
		c.mu.Unlock()
		return 0, nil
	}
	if c.inHandler {
		l := c.loop
		if len(l.wbuf)+len(p) <= l.coalesceMax() {
			// During a callback the loop's write buffer collects the
			// callback's small writes (and those of any goroutine writing
			// to c meanwhile, all under c.mu); leave flushes them with one
			// call. Buffered counts them.
			l.wbuf = append(l.wbuf, p...)
			if len(c.out)-c.off+len(l.wbuf) > l.r.cfg.WriteHighWater {
				c.setFlag(fBackpressure) // stop reading: the queue and these pass the mark
			}
			c.mu.Unlock()
			return len(p), nil
		}
		// A write that would grow the shared buffer past coalesceMax goes
		// through, whichever goroutine makes it: what was collected first,
		// then p, to the socket, and the rest to c's own queue, where the
		// high-water mark, OnDrain and the write deadline see it.
		if err := l.flushWbufLocked(c); err != nil {
			c.err = err
			c.mu.Unlock()
			c.loop.post(op{kind: opFail, c: c})
			return 0, err
		}
		l.wbuf = l.wbuf[:0]
	}
	n := 0
	if len(c.out) == c.off {
		m, err := unix.Write(c.fd, p)
		if m > 0 {
			n = m
			c.loop.stats.wrote(m)
			c.bytesOut.Add(int64(m))
		}
		if err != nil && err != unix.EAGAIN && err != unix.EINTR {
			c.err = err
			c.mu.Unlock()
			c.loop.post(op{kind: opFail, c: c})
			return n, err
		}
	}
	if n < len(p) {
		c.queueLocked(p[n:])
		c.watchLocked()
	}
	c.mu.Unlock()
	return len(p), nil
}

// watchLocked registers interest in writability exactly while output is
// queued, so that a socket that takes every write raises no write events.
func (c *Conn) watchLocked() {
	want := c.off < len(c.out) || c.waitOut
	if want != c.watching && !c.closed {
		c.watching = want
		c.loop.p.WatchWrite(c.fd, c.idx, want)
	}
}

// queueLocked appends p to the outbound queue.
func (c *Conn) queueLocked(p []byte) {
	if c.out == nil {
		c.outBox = getOut(len(p))
		c.out = *c.outBox
	}
	c.out = append(c.out, p...)
	c.wantDrain = true
	if len(c.out)-c.off > c.loop.r.cfg.WriteHighWater {
		c.setFlag(fBackpressure)
	}
}

// flushLocked writes as much of the queue as the socket takes and returns
// the queue's buffer to the pool once it is empty.
func (c *Conn) flushLocked() error {
	for c.off < len(c.out) {
		m, err := unix.Write(c.fd, c.out[c.off:])
		if m > 0 {
			c.off += m
			c.loop.stats.wrote(m)
			c.bytesOut.Add(int64(m))
		}
		if err == unix.EINTR {
			continue
		}
		if err == unix.EAGAIN {
			return nil
		}
		if err != nil {
			return err
		}
	}
	if c.out != nil {
		putOut(c.outBox, c.out)
		c.outBox = nil
		c.out, c.off = nil, 0
	}
	return nil
}

// directLocked prepares a write that goes to the socket itself (TryWrite,
// SendFile): it reports why c can take no more output, and sends first
// what a running callback collected in the loop's write buffer, so that
// bytes keep their order. failed reports a flush failure, after which the
// caller, once it has released mu, fails the connection on its loop.
func (c *Conn) directLocked() (failed bool, err error) {
	if c.closed || c.closeReq || c.cwReq {
		if c.err != nil {
			return false, c.err
		}
		return false, ErrClosed
	}
	if c.inHandler && len(c.loop.wbuf) > 0 { // what the callback collected goes first
		if err := c.loop.flushWbufLocked(c); err != nil {
			c.err = err
			return true, err
		}
		c.loop.wbuf = c.loop.wbuf[:0]
	}
	return false, nil
}

func (c *Conn) tryWrite(p []byte) (int, error) {
	n, err := c.tryWritev(p, nil)
	if errors.Is(err, errors.ErrUnsupported) {
		return 0, nil
	}
	return n, err
}

// tryWritev writes a then b to the socket, as much as it takes now, with
// one writev(2) per attempt. When the socket takes less than all of it (or
// earlier output is queued) it asks for OnDrain, as SendFile does.
func (c *Conn) tryWritev(a, b []byte) (int, error) {
	c.mu.Lock()
	if c.layer != nil {
		c.mu.Unlock()
		return 0, errNoDirect
	}
	if failed, err := c.directLocked(); err != nil {
		c.mu.Unlock()
		if failed {
			c.loop.post(op{kind: opFail, c: c})
		}
		return 0, err
	}
	total := len(a) + len(b)
	if c.off < len(c.out) {
		c.wantDrain = c.wantDrain || total > 0 // OnDrain once the queue is out
		c.mu.Unlock()
		return 0, nil
	}
	n := 0
	for n < total {
		var m int
		var err error
		if n < len(a) && len(b) > 0 {
			m, err = unix.Writev(c.fd, [][]byte{a[n:], b})
		} else if n < len(a) {
			m, err = unix.Write(c.fd, a[n:])
		} else {
			m, err = unix.Write(c.fd, b[n-len(a):])
		}
		if m > 0 {
			n += m
			c.loop.stats.wrote(m)
			c.bytesOut.Add(int64(m))
		}
		if err == unix.EINTR {
			continue
		}
		if err == unix.EAGAIN {
			// The socket is full: OnDrain once it takes more, and the
			// write deadline applies to the wait.
			c.waitOut, c.wantDrain = true, true
			c.watchLocked()
			break
		}
		if err != nil {
			c.err = err
			c.mu.Unlock()
			c.loop.post(op{kind: opFail, c: c})
			return n, err
		}
	}
	c.mu.Unlock()
	return n, nil
}

func (c *Conn) tryRead(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	c.mu.Lock()
	dl, direct := c.layer.(DirectLayer)
	if c.layer != nil && !direct {
		c.mu.Unlock()
		return 0, errNoDirect
	}
	if c.closed || c.closeReq {
		err := c.err
		c.mu.Unlock()
		if err == nil {
			err = ErrClosed
		}
		return 0, err
	}
	if c.direct.Or(dDirect)&(dLoopReading|dKept) != 0 {
		again := c.endDirect()
		c.mu.Unlock()
		if again {
			c.resume()
		}
		return 0, nil // the loop's bytes come first, through OnData
	}
	if direct {
		// The layer decodes on this goroutine, reading the socket
		// beneath it (readRaw, which takes mu for each read), the loop's
		// reads and Input calls excluded meanwhile.
		c.mu.Unlock()
		n, err := dl.TryInput(p, (*rawConn)(c))
		if c.endDirect() {
			c.resume()
		}
		return n, err
	}
	n, err := c.readFD(p, nil)
	again := c.endDirect()
	switch {
	case n > 0:
		c.countDirectRead(n)
		err = nil
	case err == unix.EAGAIN:
		n, err = 0, nil
	case err == nil: // EOF: the loop reads it again and reports it
		again = true
	default:
		c.err = err
		c.mu.Unlock()
		c.loop.post(op{kind: opFail, c: c})
		return 0, err
	}
	c.mu.Unlock()
	if again {
		c.resume()
	}
	return n, err
}

// countDirectRead counts n bytes read from the socket by a goroutine
// other than the loop's (TryRead, a DirectLayer's readRaw).
func (c *Conn) countDirectRead(n int) {
	c.loop.stats.read(n)
	c.loop.stats.directReads.Add(1)
	c.bytesIn.Add(int64(n))
}

// readFD reads the socket into p and then q (read(2), or readv(2) when q
// is not empty), retrying on EINTR.
func (c *Conn) readFD(p, q []byte) (n int, err error) {
	for {
		if len(q) > 0 {
			n, err = unix.Readv(c.fd, [][]byte{p, q})
		} else {
			n, err = unix.Read(c.fd, p)
		}
		if err != unix.EINTR {
			return n, err
		}
	}
}

// readRaw reads into p and then q from the socket for a DirectLayer's
// TryInput, which holds the socket (dDirect): 0 and a nil error when
// there is nothing to read now; the loop reports the FIN or error next.
func (c *Conn) readRaw(p, q []byte) (int, error) {
	c.mu.Lock()
	if c.closed || c.closeReq {
		c.mu.Unlock()
		return 0, nil
	}
	n, err := c.readFD(p, q)
	switch {
	case n > 0:
		c.countDirectRead(n)
		err = nil
	case err == unix.EAGAIN:
		n, err = 0, nil
	case err == nil: // EOF: the loop reads it again and reports it
		c.mu.Unlock()
		c.direct.Or(dSkipped) // the TryRead's end asks the loop to read
		return 0, nil
	default:
		c.err = err
		c.mu.Unlock()
		c.loop.post(op{kind: opFail, c: c})
		return 0, err
	}
	c.mu.Unlock()
	return n, err
}

// endDirect ends a TryRead's hold on the socket and reports whether the
// loop passed over a read meanwhile (it must then be asked to read
// again): one atomic operation, so that a loop that sees the hold has
// recorded its skip by then, and one that does not reads itself.
func (c *Conn) endDirect() bool {
	return c.direct.And(^(dDirect|dSkipped))&dSkipped != 0
}

// startLoopRead marks the loop's read of c, unless a TryRead holds the
// socket: then it records the skip (see endDirect) and reports false.
func (c *Conn) startLoopRead() bool {
	for {
		old := c.direct.Load()
		if old&dDirect != 0 {
			if c.direct.CompareAndSwap(old, old|dSkipped) {
				return false
			}
			continue
		}
		if c.direct.CompareAndSwap(old, old|dLoopReading) {
			return true
		}
	}
}

func (c *Conn) sendFile(head []byte, f *os.File, off int64, n int) (int, error) {
	c.mu.Lock()
	if c.layer != nil {
		c.mu.Unlock()
		return 0, errNoSendFile
	}
	if failed, err := c.directLocked(); err != nil {
		c.mu.Unlock()
		if failed {
			c.loop.post(op{kind: opFail, c: c})
		}
		return 0, err
	}
	if c.off < len(c.out) || len(head)+n <= 0 {
		c.wantDrain = c.wantDrain || len(head)+n > 0 // OnDrain once the queue is out
		c.mu.Unlock()
		return 0, nil
	}
	var rc syscall.RawConn
	if n > 0 {
		var err error
		if rc, err = f.SyscallConn(); err != nil { // f's fault (closed): nothing sent
			c.mu.Unlock()
			return 0, err
		}
	}
	written := 0
	var werr error
	if len(head) > 0 {
		// The head goes with MSG_MORE when file bytes follow: the kernel
		// holds it for the first of them, one segment where there would be
		// two, and sendfile's end pushes them all.
		flags := 0
		if n > 0 {
			flags = unix.MSG_MORE
		}
		for written < len(head) {
			m, err := unix.SendmsgN(c.fd, head[written:], nil, nil, flags)
			if m > 0 {
				written += m
				c.loop.stats.wrote(m)
			}
			if err == unix.EINTR {
				continue
			}
			if err != nil {
				werr = err
				break
			}
		}
	}
	if werr == nil && n > 0 {
		werr = c.sendFileLocked(rc, off, n, &written)
		if len(head) > 0 && written == len(head) && werr != nil && werr != unix.EAGAIN {
			// The head went with MSG_MORE and nothing of f follows it (f
			// cannot be sent, or ends early): setting TCP_NODELAY pushes
			// what the socket holds.
			unix.SetsockoptInt(c.fd, unix.IPPROTO_TCP, unix.TCP_NODELAY, 1)
		}
	}
	if written > 0 {
		c.bytesOut.Add(int64(written))
	}
	switch {
	case werr == unix.EAGAIN:
		werr = nil
		c.waitOut, c.wantDrain = true, true
		c.watchLocked()
	case werr == errNoSendFile:
		// Not a file sendfile can read (the head went): copy instead.
	case werr == io.ErrUnexpectedEOF:
		// The file's fault, not the connection's: the caller decides.
	case werr != nil:
		c.err = werr
		c.mu.Unlock()
		c.loop.post(op{kind: opFail, c: c})
		return written, werr
	}
	c.mu.Unlock()
	return written, werr
}

// sendFileLocked sends n bytes of the file rc controls from off (or from
// its position, off < 0) with sendfile(2), adding what the socket took to
// *written. It returns unix.EAGAIN when the socket is full,
// errNoSendFile when f is no file sendfile can read (nothing of it sent),
// io.ErrUnexpectedEOF when f ends early, or the socket's error.
func (c *Conn) sendFileLocked(rc syscall.RawConn, off int64, n int, written *int) error {
	var werr error
	sent := 0
	cerr := rc.Control(func(in uintptr) {
		for sent < n {
			var m int
			var err error
			if off < 0 { // from f's position, which the kernel advances
				m, err = unix.Sendfile(c.fd, int(in), nil, n-sent)
			} else {
				o := off + int64(sent)
				m, err = unix.Sendfile(c.fd, int(in), &o, n-sent)
			}
			if m > 0 {
				sent += m
				c.loop.stats.wrote(m)
			}
			if err == unix.EINTR {
				continue
			}
			if err == nil && m == 0 {
				err = io.ErrUnexpectedEOF // f ends before n bytes
			}
			if err != nil {
				werr = err
				return
			}
		}
	})
	*written += sent
	switch {
	case cerr != nil:
		return cerr
	case werr != nil && sent == 0 && (werr == unix.EINVAL || werr == unix.ENOSYS):
		return errNoSendFile
	}
	return werr
}

// stalled reports whether output waits for the peer: queued bytes, or a
// SendFile waiting for the socket to take more.
func (c *Conn) stalled() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.off < len(c.out) || c.waitOut || c.inHandler && len(c.loop.wbuf) > 0
}

func (c *Conn) buffered() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := len(c.out) - c.off
	if c.inHandler && len(c.loop.wbuf) > 0 {
		// c's: the loop is in c's callback. A caller that saw them may
		// wait for OnDrain, so it follows their flush as for queued bytes.
		n += len(c.loop.wbuf)
		c.wantDrain = true
	}
	return n
}

func (c *Conn) close() {
	c.closeLayer()
	c.mu.Lock()
	if c.closed || c.closeReq {
		c.mu.Unlock()
		return
	}
	c.closeReq = true
	c.setFlag(fClosing)
	post := !c.inHandler
	c.mu.Unlock()
	if post {
		c.loop.post(op{kind: opClose, c: c})
	}
}

// requestClose is Close for the loop itself: it records the request
// without posting it, since the caller settles c next.
func (c *Conn) requestClose() {
	c.closeLayer()
	c.mu.Lock()
	c.closeReq = true
	c.setFlag(fClosing)
	c.mu.Unlock()
}

func (c *Conn) closeWrite() error {
	c.closeLayer()
	c.mu.Lock()
	if c.closed || c.cwReq {
		c.mu.Unlock()
		return nil
	}
	c.cwReq = true
	post := !c.inHandler
	c.mu.Unlock()
	if post {
		c.loop.post(op{kind: opSettle, c: c})
	}
	return nil
}

// closeLayer calls the layer's CloseWrite once, before the first Close or
// CloseWrite is recorded, so that what it writes is still accepted.
func (c *Conn) closeLayer() {
	c.mu.Lock()
	cw, ok := c.layer.(closeWriter)
	if !ok || c.layerShut || c.closed || c.closeReq || c.cwReq {
		c.mu.Unlock()
		return
	}
	c.layerShut = true
	c.mu.Unlock()
	cw.CloseWrite()
}

func (c *Conn) setLayer(l Layer) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.inHandler {
		panic("reactor: SetLayer outside the connection's callbacks")
	}
	if c.layer != nil {
		panic("reactor: SetLayer called twice")
	}
	c.layer = l
}

func (c *Conn) handoff(h Handler) error {
	c.mu.Lock()
	if c.closed || c.closeReq {
		c.mu.Unlock()
		return ErrClosed
	}
	if c.next != nil {
		c.mu.Unlock()
		return errHandoffPending
	}
	c.next = h
	c.setFlag(fHanding)
	post := !c.inHandler
	c.mu.Unlock()
	if post {
		c.loop.post(op{kind: opHandoff, c: c})
	}
	return nil
}

func (c *Conn) resume() { c.loop.post(op{kind: opResume, c: c}) }

func (c *Conn) wakeLayer() { c.loop.post(op{kind: opWake, c: c}) }

func (c *Conn) setDeadline(t time.Time, read, write bool) error {
	at := c.loop.r.monotonic(t)
	if read {
		c.readAt.Store(at)
	}
	if write {
		c.writeAt.Store(at)
	}
	return c.rearm()
}

func (c *Conn) rearm() error {
	c.mu.Lock()
	closed, inH := c.closed, c.inHandler
	c.mu.Unlock()
	if closed {
		return ErrClosed
	}
	if !inH {
		c.loop.post(op{kind: opSettle, c: c})
	}
	return nil
}

func (c *Conn) remoteAddr() net.Addr { return net.TCPAddrFromAddrPort(c.remote) }

func (c *Conn) localAddr() net.Addr {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return &net.TCPAddr{}
	}
	return net.TCPAddrFromAddrPort(poll.LocalAddr(c.fd))
}
