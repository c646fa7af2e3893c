package ws

import (
	"errors"
	"io"
	"net"
	"net/http"
	"sync"
	"time"
)

// hijack is the fallback of an upgrade under a server that is not on the
// reactor: it takes the connection over with http.Hijacker (unwrapping
// middleware through http.ResponseController), sends the 101 and serves
// the connection with a goroutine of its own.
func (u *Upgrader) hijack(w http.ResponseWriter, r *http.Request, c *Conn) error {
	srv, ok := u.admit(w, r)
	if !ok {
		return errShuttingDown
	}
	err := hijack(w, c, func() { u.add(c, srv) }, func() { u.remove(c) })
	if err != nil {
		u.remove(nil)
	}
	return err
}

// hijack takes over w's connection for c. ready is called once c has its
// transport, before the goroutine that serves it starts; exit when that
// goroutine ends.
func hijack(w http.ResponseWriter, c *Conn, ready, exit func()) error {
	hdr := w.Header()
	nc, brw, err := http.NewResponseController(w).Hijack()
	if err != nil {
		return err
	}
	var head []byte
	head = append(head, "HTTP/1.1 101 Switching Protocols\r\n"...)
	for _, k := range []string{"Upgrade", "Connection", "Sec-Websocket-Accept", "Sec-Websocket-Protocol", "Sec-Websocket-Extensions"} {
		for _, v := range hdr[k] {
			head = append(head, k+": "+v+"\r\n"...)
		}
	}
	head = append(head, "\r\n"...)
	nc.SetDeadline(time.Time{})
	if _, err := nc.Write(head); err != nil {
		nc.Close()
		return err
	}
	var pre []byte
	if n := brw.Reader.Buffered(); n > 0 {
		pre, _ = brw.Reader.Peek(n)
		pre = append([]byte(nil), pre...)
	}
	t := newNetTransport(nc, c, exit)
	ready()
	go t.run(pre)
	return nil
}

// netTransport serves a Conn over a net.Conn with one goroutine that
// reads it and runs the callbacks, as the reactor would (never two at
// once). Writes go through an outq: they never wait on the peer, a
// goroutine of the queue's writes them out, and Buffered counts them.
type netTransport struct {
	nc net.Conn
	c  *Conn
	q  outq

	cb sync.Mutex // held while a callback runs: callbacks never overlap

	mu       sync.Mutex
	paused   bool
	resume   chan struct{} // signalled by ResumeRead
	closed   bool
	deadline *time.Timer
	dlAt     time.Time
	// timers counts the deadline's callbacks under way; run waits for
	// them before it reports the end (Conn.Wait joins them too).
	timers sync.WaitGroup

	exit func() // called when run ends (nil: nothing to tell)
}

// newNetTransport makes c's transport over nc; its goroutine is run,
// with pre, the input that arrived with the handshake.
func newNetTransport(nc net.Conn, c *Conn, exit func()) *netTransport {
	t := &netTransport{nc: nc, c: c, resume: make(chan struct{}, 1), exit: exit}
	t.q = outq{write: t.writeNow, shut: t.shut, drain: c.onDrain, limit: writeLimit(c.lim)}
	c.t = t
	return t
}

func (t *netTransport) run(pre []byte) {
	c := t.c
	t.cb.Lock()
	c.open()
	t.cb.Unlock()
	buf := make([]byte, 4<<10)
	// kept is input read and not yet consumed, first what came with the
	// handshake.
	kept := pre
	var err error
	// process presents the kept input, as the reactor presents what
	// OnData left, until it is consumed, a partial frame is left, or a
	// message went to the inbox (reading paused); it reports the latter.
	process := func() bool {
		for len(kept) > 0 {
			t.cb.Lock()
			used := c.input(kept)
			stop := c.in.has(inStop)
			t.cb.Unlock()
			kept = kept[used:]
			if stop {
				return true
			}
			if used == 0 {
				break
			}
		}
		return false
	}
	stopped := len(kept) > 0 // present the handshake's input before reading
	for {
		t.mu.Lock()
		for t.paused && !t.closed {
			t.mu.Unlock()
			<-t.resume
			t.mu.Lock()
		}
		closed := t.closed
		t.mu.Unlock()
		if closed {
			break
		}
		if stopped {
			if stopped = process(); stopped {
				continue
			}
		}
		var n int
		n, err = t.nc.Read(buf)
		if n > 0 {
			kept = append(kept, buf[:n]...)
			stopped = process()
			if len(kept) == 0 {
				kept = kept[:0]
			}
		}
		if err != nil {
			break
		}
	}
	if errors.Is(err, io.EOF) || errors.Is(err, net.ErrClosed) {
		err = nil
	}
	t.Close()
	t.mu.Lock()
	if t.deadline != nil {
		t.deadline.Stop()
	}
	t.mu.Unlock()
	t.timers.Wait() // closed is set: no callback starts after this
	t.q.Wait()      // the queue's writer: done once its bytes are out or the write deadline passed
	t.cb.Lock()
	c.finish(err)
	t.cb.Unlock()
	if t.exit != nil {
		t.exit()
	}
}

// Write queues p (see outq): it never waits on the peer.
func (t *netTransport) Write(p []byte) (int, error) { return t.q.Write(p) }

// writeNow is the queue's write to the socket, bounded by the write
// deadline.
func (t *netTransport) writeNow(p []byte) (int, error) {
	if t.q.limit > 0 {
		t.nc.SetWriteDeadline(time.Now().Add(t.q.limit))
	}
	return t.nc.Write(p)
}

// writeLimit is how long one write may wait for a peer that does not
// read: PongTimeout (a peer that takes nothing for that long is as gone
// as one that answers no ping), or CloseTimeout without one.
func writeLimit(lim *limits) time.Duration {
	if lim.pong > 0 {
		return lim.pong
	}
	return max(lim.close, 0)
}

func (t *netTransport) Buffered() int        { return t.q.Buffered() }
func (t *netTransport) RemoteAddr() net.Addr { return t.nc.RemoteAddr() }
func (t *netTransport) LocalAddr() net.Addr  { return t.nc.LocalAddr() }

// Close closes the connection once the queued output is out (within the
// write deadline); the reading goroutine ends then.
func (t *netTransport) Close() error {
	t.stop()
	t.q.Close()
	return nil
}

// abort closes the connection at once, dropping queued output.
func (t *netTransport) abort() {
	t.stop()
	t.q.Abort()
}

// stop tells the reading goroutine to end (it does when its read returns:
// once the connection is closed).
func (t *netTransport) stop() {
	t.mu.Lock()
	already := t.closed
	t.closed = true
	t.mu.Unlock()
	if !already {
		t.signal()
	}
}

// shut closes the net.Conn: the queue's writer and the reading goroutine
// return from their calls.
func (t *netTransport) shut() {
	t.stop()
	t.nc.Close()
}

func (t *netTransport) PauseRead() {
	t.mu.Lock()
	t.paused = true
	t.mu.Unlock()
}

func (t *netTransport) ResumeRead() {
	t.mu.Lock()
	t.paused = false
	t.mu.Unlock()
	t.signal()
}

func (t *netTransport) signal() {
	select {
	case t.resume <- struct{}{}:
	default:
	}
}

// SetReadDeadline runs the keep-alive and close timers as the reactor's
// read deadline does: at d the Conn's tick decides.
func (t *netTransport) SetReadDeadline(d time.Time) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return net.ErrClosed
	}
	if t.deadline != nil {
		t.deadline.Stop()
		t.deadline = nil
	}
	if d.IsZero() {
		return nil
	}
	t.dlAt = d
	t.deadline = time.AfterFunc(time.Until(d), func() {
		t.mu.Lock()
		stale := t.closed || !t.dlAt.Equal(d)
		if !stale {
			t.timers.Add(1)
		}
		t.mu.Unlock()
		if stale {
			return
		}
		defer t.timers.Done()
		t.cb.Lock()
		keep := t.c.tick()
		t.cb.Unlock()
		if !keep {
			t.abort() // the close handshake or a pong timed out: nothing more is owed
		}
	})
	return nil
}
