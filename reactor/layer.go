package reactor

import "io"

// Layer is a transform between a connection's socket and its handler, such
// as TLS: bytes read from the socket go in, plaintext comes out to OnData;
// what the handler writes goes through the layer on its way out. Install
// one with [Conn.SetLayer].
//
// Input runs on the connection's loop, never concurrently with itself or
// with the handler's callbacks. It receives bytes read from the socket and
// must consume all of them, keeping any partial unit (a TLS record cut by
// the read) itself; it appends the plaintext it can decode to dst and
// returns the extended slice. dst is the loop's scratch buffer, valid only
// during the call, so that an idle connection holds no buffer. The
// reactor then delivers that plaintext to OnData exactly as it delivers
// socket bytes without a layer: plaintext OnData leaves unconsumed is kept
// in the connection's pending buffer and presented again, and
// [Config.MaxPending] applies to it. An error from Input closes the
// connection, and OnClose receives that error, except io.EOF: it means
// the layer's stream has ended (a TLS close_notify), and the reactor
// handles it as it handles the peer's FIN (OnEOF, or a graceful close),
// after delivering the plaintext returned with it. Input is also called with
// empty in when reading resumes ([Conn.ResumeRead]), so that a layer that
// finished work on another goroutine (a TLS handshake) can deliver what it
// holds.
//
// Output is called by [Conn.Write] with the handler's plaintext, from any
// goroutine and outside the connection's locks. It encodes p, writes the
// encoding to the raw writer that SetLayer returned, and returns how much
// of p it consumed (len(p) unless it fails). The layer also writes its own
// records (handshake messages, alerts) to the raw writer, from Input or
// from any goroutine.
//
// If the layer implements interface{ CloseWrite() error }, the reactor
// calls CloseWrite once, before a graceful Close or CloseWrite shuts the
// socket's write side (TLS sends close_notify there); what it writes to
// the raw writer is flushed first. A connection closed by an error or a
// deadline closes without it.
type Layer interface {
	Input(dst, in []byte) ([]byte, error)
	Output(p []byte) (int, error)
}

// SetLayer installs l between the connection's socket and its handler and
// returns raw, the writer beneath the layer. Bytes written to raw go to
// the connection's outbound queue as [Conn.Write]'s do without a layer,
// with the same accounting: [Conn.Buffered] counts them (encoded bytes),
// [Config.WriteHighWater] stops reading when they pile up, and the write
// deadline applies to them. raw is safe for concurrent use and costs no
// allocation.
//
// SetLayer must be called from one of c's callbacks (normally OnOpen, at
// the latest from the OnData call that consumes the last plaintext byte
// before the layer starts: bytes kept unconsumed from before are not
// passed through it), and once: it panics otherwise. The layer stays with
// the connection across a [Conn.Handoff].
func (c *Conn) SetLayer(l Layer) (raw io.Writer) {
	if l == nil {
		panic("reactor: SetLayer with a nil Layer")
	}
	c.setLayer(l)
	return (*rawConn)(c)
}

// DirectLayer is a [Layer] that can also decode on the goroutine of a
// [Conn.TryRead] caller, into the caller's buffer: a large upload over TLS
// then skips the loop's scratch buffer and the handler's own pending
// bytes, as TryRead lets a cleartext upload skip them.
//
// TryInput decodes into p what the layer holds and what it reads from
// the socket with r, never blocking, and returns how much plaintext it
// wrote; TryRead returns what it returns. It returns 0 and a nil error
// when it has no plaintext now: the socket is empty, or the end of the
// layer's stream or an error comes next, which the layer then reports from
// its next Input (the caller hears of it through its callbacks). The
// reactor calls TryInput with the loop's reads and Input calls excluded
// (Input is never called concurrently with it), and only while the
// handler keeps no input unconsumed.
type DirectLayer interface {
	Layer
	TryInput(p []byte, r RawReader) (int, error)
}

// RawReader reads the socket beneath a [DirectLayer], during its TryInput.
type RawReader interface {
	// ReadRaw reads into p and then q with one readv(2), without
	// blocking. It returns 0 and a nil error when there is nothing to
	// read now, or when the peer's FIN or an error comes next (the loop
	// reports them once TryRead returns).
	ReadRaw(p, q []byte) (int, error)
}

// rawConn is a Conn seen as the writer (and reader) beneath its layer.
type rawConn Conn

func (w *rawConn) Write(p []byte) (int, error)      { return (*Conn)(w).writeRaw(p) }
func (w *rawConn) ReadRaw(p, q []byte) (int, error) { return (*Conn)(w).readRaw(p, q) }

// WakeLayer asks c's loop to call its layer's Input with empty in soon,
// as [Conn.ResumeRead] does, so that a layer that finished work on another
// goroutine (a TLS handshake) delivers the plaintext it holds, or reports
// the error that ends the connection. If reading is stopped (paused, or
// under backpressure) the call happens when it resumes. WakeLayer is safe
// from any goroutine, never blocks and costs no allocation; it does
// nothing on a closed connection.
func (c *Conn) WakeLayer() { c.wakeLayer() }

// closeWriter is implemented by layers that say goodbye (TLS close_notify).
type closeWriter interface{ CloseWrite() error }
