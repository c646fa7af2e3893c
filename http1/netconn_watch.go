package http1

import (
	"errors"
	"net"
	"os"
	"sync"
	"time"
)

// peerWatch is the fallback path's watch for a client that leaves while
// its Handler runs: once the request has been read whole, a goroutine
// reads one byte from the connection, as net/http's background read does.
// If the read fails (FIN, reset, close) the request's context ends; if it
// returns a byte (a pipelined request) the byte is kept for the next Read.
// stop ends the read, by a deadline in the past, and waits for it.
//
// Only an error other than a timeout means the client left: stop's
// deadline, or one a Handler sets through http.ResponseController, is not
// the client's doing.
type peerWatch struct {
	wg      sync.WaitGroup // the read's goroutine
	running bool           // a read runs (or ran and was not waited for)
	b       [1]byte
	have    bool            // b holds a byte read by the watch, not yet returned by Read
	ctx     *requestContext // the request whose context the read ends
	read    func()          // t.watchRead, bound once
}

// aLongTimeAgo is the deadline with which stopWatch ends the watch's read.
var aLongTimeAgo = time.Unix(1, 0)

func (t *netConn) watchPeer(c *conn, ctx *requestContext) {
	w := &t.watch
	if w.running || w.have {
		return // already watching, or a pipelined byte shows the client is there
	}
	if c.r == c.w {
		// Nothing pipelined: the deadline in force (a body's read timeout,
		// the header timeout) is not for the client leaving. With a
		// partial head buffered it stays: it is that head's.
		t.Conn.SetReadDeadline(time.Time{})
	}
	w.running = true
	w.wg.Add(1)
	w.ctx = ctx
	if w.read == nil {
		w.read = t.watchRead // once per connection: go w.read() allocates nothing
	}
	go w.read()
}

func (t *netConn) watchRead() {
	w := &t.watch
	defer w.wg.Done()
	ctx := w.ctx
	n, err := t.Conn.Read(w.b[:])
	if n == 1 {
		w.have = true
		return
	}
	if err != nil && !isTimeout(err) {
		ctx.clientGone()
	}
}

// stopWatch ends a running watch and waits for its goroutine; the
// connection's read deadline is put back as it was.
func (t *netConn) stopWatch() {
	w := &t.watch
	if !w.running {
		return
	}
	t.Conn.SetReadDeadline(aLongTimeAgo)
	w.wg.Wait()
	w.running, w.ctx = false, nil
	t.Conn.SetReadDeadline(t.readAt)
}

// Read returns the byte the watch read first, if any.
func (t *netConn) Read(p []byte) (int, error) {
	t.stopWatch()
	if t.watch.have && len(p) > 0 {
		p[0] = t.watch.b[0]
		t.watch.have = false
		return 1, nil
	}
	return t.Conn.Read(p)
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.Is(err, os.ErrDeadlineExceeded) || errors.As(err, &ne) && ne.Timeout()
}
