package reactor

import (
	"net"
	"os"
	"sync/atomic"
	"time"
)

// Conn is one TCP connection on a [Reactor].
//
// A Conn is created by the reactor and handed to the [Handler]; it stays
// valid (its methods return [ErrClosed]) after the connection is gone.
// Write, Close, CloseWrite, PauseRead, ResumeRead, Buffered, the deadline
// setters and the address methods are safe for concurrent use from any
// goroutine. Attach and Attachment are meant for the handler's callbacks:
// calls from other goroutines must be synchronised by the caller.
//
// On Linux an idle Conn holds no buffer and no goroutine. Outside Linux
// each Conn has a goroutine that reads it, and Write blocks until the
// socket has taken the bytes.
type Conn struct {
	att any       // see Attach
	ln  *Listener // the listener that accepted it, if any

	// For Reactor.Conns: the loop clock at open, and the bytes read (by
	// the loop or a TryRead) and written (by any writer) on this connection.
	opened   int64
	bytesIn  atomic.Int64
	bytesOut atomic.Int64

	connSys // per-OS state (conn_linux.go, conn_other.go)
}

// Write writes p to the connection. It never blocks on Linux: it tries
// the socket first (or, during a callback, coalesces small writes with the
// callback's others, up to a bound) and queues whatever the socket did not
// take, copying it.
// It returns len(p) and a nil error unless the connection is closed, in
// which case it returns how much was written before and [ErrClosed] or
// the socket error. Outside Linux it blocks until the socket has taken p
// or the write deadline passes ([ErrWriteTimeout]).
//
// When the queue passes [Config.WriteHighWater] the reactor stops reading
// the connection until the queue has drained.
func (c *Conn) Write(p []byte) (int, error) { return c.write(p) }

// TryWrite writes to the socket what it takes of p now, from the calling
// goroutine, and queues nothing: it returns how much was written, 0 while
// earlier output is still queued (or, outside Linux and under a [Layer],
// always: use Write). When it writes less than p on Linux, the handler's
// OnDrain (see [DrainHandler]) is called once the connection can take
// more, and the write deadline applies to that wait as to queued bytes. A
// writer with a large p uses it to hand the kernel as much as it takes
// without copying, waiting for OnDrain when it takes no more.
func (c *Conn) TryWrite(p []byte) (int, error) { return c.tryWrite(p) }

// TryWritev is [Conn.TryWrite] for a followed by b, written with one
// writev(2) (a response's head and body in one system call): it returns
// how many bytes of the two it wrote. It returns an error wrapping
// [errors.ErrUnsupported], having written nothing, outside Linux and on a
// connection with a [Layer]: use Write.
func (c *Conn) TryWritev(a, b []byte) (int, error) { return c.tryWritev(a, b) }

// TryRead reads into p what the socket holds now, from the calling
// goroutine, with one read(2) and without the loop's copy: a consumer of a
// large stream (an upload) reads into its own buffer. It returns 0 and a
// nil error when there is nothing to read now (the socket is empty, the
// peer's FIN or an error is next, or the loop is reading the connection
// itself): the bytes, FIN or error then reach the handler through its
// callbacks as usual, so a caller waits for OnData before it tries again.
// Bytes never overtake one another: TryRead excludes the loop's reads, and
// reads nothing while the handler keeps input unconsumed. A caller that
// wants the socket to itself calls PauseRead first (TryRead ignores the
// pause), and ResumeRead to hear of new input. Bytes read this way do not
// count as activity for [Config.IdleTimeout].
//
// On a connection with a [Layer], TryRead reads plaintext: the layer
// decodes into p on the calling goroutine if it is a [DirectLayer] (TLS
// is), reading the socket itself. It returns an error wrapping
// [errors.ErrUnsupported] outside Linux and under a layer that is not one.
func (c *Conn) TryRead(p []byte) (int, error) { return c.tryRead(p) }

// SendFile writes up to n bytes of f, from offset off, to the connection
// with sendfile(2), from the calling goroutine and without copying them
// through user space. It never blocks: it returns how many bytes the
// socket took, which may be fewer than n, even 0, when the socket is full
// or earlier output is still queued. The handler's OnDrain (see
// [DrainHandler]) is then called once the connection can take more, and
// the write deadline applies to the wait as to queued bytes. Offsets and
// f's own file position are the caller's: SendFile moves neither, except
// with off < 0, which sends from f's position and advances it by what was
// sent (one lseek(2) fewer on each side for a caller that reads f in
// order).
//
// It returns an error wrapping [errors.ErrUnsupported] outside Linux and
// on a connection with a [Layer] (TLS): copy with Write instead.
func (c *Conn) SendFile(f *os.File, off int64, n int) (int, error) { return c.sendFile(nil, f, off, n) }

// SendFileAfter is SendFile with head written first, from the same
// goroutine: a response's head and its file body. The head is sent with
// MSG_MORE when file bytes follow, so that the kernel puts it in the
// segment of the first of them rather than in one of its own. It returns
// how many bytes the socket took, head first: fewer than len(head)+n (even
// 0) when the socket is full or earlier output is queued, with OnDrain to
// follow as for SendFile. Where f cannot be sent with sendfile(2) it
// returns an error wrapping [errors.ErrUnsupported] after the head (its
// count says how much of it went) and nothing of f; the caller copies f
// with Write. Outside Linux and under a [Layer] it sends nothing and
// returns that error.
func (c *Conn) SendFileAfter(head []byte, f *os.File, off int64, n int) (int, error) {
	return c.sendFile(head, f, off, n)
}

// Buffered returns the number of outbound bytes accepted by Write and not
// yet taken by the socket, whichever goroutine wrote them and when: those
// queued and, during a callback, those collected to be written when it
// returns. (Always 0 outside Linux, where Write blocks.)
func (c *Conn) Buffered() int { return c.buffered() }

// Close closes the connection gracefully: it stops reading, flushes the
// outbound queue, sends FIN and waits (up to [Config.LingerTimeout]) for
// the peer's FIN before releasing the socket; OnClose follows. Close is
// idempotent, never blocks and returns nil.
func (c *Conn) Close() error {
	c.close()
	return nil
}

// SetLingerTimeout sets how long this connection's Close waits for the
// peer's FIN after sending its own, in place of [Config.LingerTimeout]:
// d > 0 lingers up to d (rounded up to a millisecond, at most 4 hours),
// discarding what the peer still sends; d < 0 closes as soon as the
// output is flushed; 0 restores the reactor's. A server that closes while
// the client may still be sending (a request body it did not read, a
// refused request) lingers so that the unread input does not make the
// kernel answer with a reset, which can destroy the response before the
// client has read it; on a reactor that closes at once (a tcp.Network,
// as net.Conn.Close does) it asks for that one connection. Call it before
// Close; it costs no memory. The portable reactor (outside Linux) never
// lingers, and ignores it.
func (c *Conn) SetLingerTimeout(d time.Duration) { c.setLingerTimeout(d) }

// CloseWrite shuts the write side once the queue has been flushed (the
// peer reads EOF) and keeps reading. Later writes return [ErrClosed].
func (c *Conn) CloseWrite() error { return c.closeWrite() }

// PauseRead stops the reactor from reading the connection (input waits in
// the kernel, and TCP flow control eventually stops the peer) until
// ResumeRead. Pausing does not stop deadlines.
func (c *Conn) PauseRead() {
	c.notePause()
	c.paused.Store(true)
}

// ResumeRead undoes PauseRead. Input that arrived meanwhile, and any
// unconsumed input kept from before, is delivered to OnData promptly.
func (c *Conn) ResumeRead() {
	if c.paused.CompareAndSwap(true, false) {
		c.resume()
	}
}

// SetReadDeadline closes the connection with [ErrReadTimeout] at t unless
// the deadline is moved or cleared (zero t) first; a [ReadTimeoutHandler]
// may keep it open instead. A handler typically sets it when a message
// starts and clears it when the message is complete. It returns
// [ErrClosed] if the connection is closed.
func (c *Conn) SetReadDeadline(t time.Time) error { return c.setDeadline(t, true, false) }

// SetWriteDeadline closes the connection with [ErrWriteTimeout] if output
// is still queued at t (outside Linux: if a Write is still blocked at t).
// A deadline that passes with an empty queue is simply cleared. It
// returns [ErrClosed] if the connection is closed.
func (c *Conn) SetWriteDeadline(t time.Time) error { return c.setDeadline(t, false, true) }

// SetDeadline sets both deadlines.
func (c *Conn) SetDeadline(t time.Time) error { return c.setDeadline(t, true, true) }

// Attach attaches v to the connection for the handler's use: its
// per-connection state, which callbacks get back with [Conn.Attachment].
// (A handler may instead keep per-connection state in a handler of its own
// for each connection, given with [Conn.Handoff].)
func (c *Conn) Attach(v any) { c.att = v }

// Attachment returns the value given to Attach, or nil.
func (c *Conn) Attachment() any { return c.att }

// Dialed reports whether the connection was made by [Reactor.Dial] rather
// than accepted.
func (c *Conn) Dialed() bool { return c.dialed }

// Listener returns the [Listener] that accepted the connection, or nil for
// connections from [Reactor.Dial] or [Reactor.Serve].
func (c *Conn) Listener() *Listener { return c.ln }

// RemoteAddr returns the peer's address as a *net.TCPAddr.
func (c *Conn) RemoteAddr() net.Addr { return c.remoteAddr() }

// LocalAddr returns the connection's local address as a *net.TCPAddr. It
// costs a system call on Linux.
func (c *Conn) LocalAddr() net.Addr { return c.localAddr() }
