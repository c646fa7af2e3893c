package loadgen

import (
	"bufio"
	"context"
	"net"
	"time"
)

// longAgo is a deadline in the past: setting it wakes every blocked read
// and write at once.
var longAgo = time.Unix(1, 0)

// readBufferSize is the size of a connection's read buffer: large enough
// for a status line and any one header line, and for many small pipelined
// responses per read.
const readBufferSize = 32 << 10

// conn is one worker: a connection, reconnected after errors, and the
// buffers and counts of the goroutine that owns it. Only counters c is read
// by other goroutines while it runs.
type conn struct {
	g   *core
	id  int
	c   *counters
	nc  net.Conn // nil while disconnected
	cr  countingReader
	br  *bufio.Reader
	lat batch

	stop    func() bool // unregisters the ctx hook of nc
	armedAt int64       // g-time at which the deadline was last pushed
	backoff time.Duration
	timer   *time.Timer

	written  int64
	connects int64
	errs     [numKinds]int64
	firstErr [numKinds]string // the first error message of each kind
	status   []int64          // by HTTP status code, allocated by HTTP workers
	sent     []int64          // g-times of requests in flight (a ring)
	next     int64            // open loop: g-time of the next intended send
}

func newConn(g *core, id int) *conn {
	w := &conn{g: g, id: id, c: &g.counters[id]}
	w.br = bufio.NewReaderSize(&w.cr, readBufferSize)
	w.lat.h = g.hist
	return w
}

// countingReader reads from a connection and counts the bytes.
type countingReader struct {
	nc net.Conn
	n  int64
}

func (r *countingReader) Read(p []byte) (int, error) {
	n, err := r.nc.Read(p)
	r.n += int64(n)
	return n, err
}

// now returns the time since Run started, in nanoseconds.
func (w *conn) now() int64 { return int64(time.Since(*w.g.start.Load())) }

// connect dials until it has a connection. It gives up, returning false, when
// ctx is done, or when the dial fails and no dial of the run has succeeded
// yet (an unreachable or mistyped address fails fast instead of retrying for
// the whole run). Later failures are retried with exponential backoff.
func (w *conn) connect(ctx context.Context) bool {
	for ctx.Err() == nil {
		nc, err := w.g.dial(ctx, w.g.addr)
		if err == nil {
			w.g.ever.Store(true)
			w.attach(ctx, nc)
			return true
		}
		if ctx.Err() != nil {
			return false
		}
		w.fail(KindConnect, 1, err)
		w.g.mu.Lock()
		if w.g.firstErr == nil {
			w.g.firstErr = err
		}
		w.g.mu.Unlock()
		if !w.g.ever.Load() {
			return false
		}
		w.backoff = min(max(2*w.backoff, 10*time.Millisecond), time.Second)
		if !w.sleep(ctx, w.backoff) {
			return false
		}
	}
	return false
}

func (w *conn) attach(ctx context.Context, nc net.Conn) {
	w.nc = nc
	w.cr.nc = nc
	w.br.Reset(&w.cr)
	w.stop = context.AfterFunc(ctx, func() { nc.SetDeadline(longAgo) })
	w.armedAt = -1 << 62
	w.backoff = 0
	w.connects++
	w.c.open.Add(1)
}

// close closes the connection, if any.
func (w *conn) close() {
	if w.nc == nil {
		return
	}
	w.stop()
	w.nc.Close()
	w.nc = nil
	w.c.open.Add(-1)
}

// arm pushes the connection's deadline to now+timeout when it was last
// pushed more than a quarter of the timeout ago, so that most requests do
// not pay for a deadline change; the effective timeout is thus between 3/4
// of the timeout and the timeout. It reports false when ctx is done (whose
// hook may have set a past deadline that this one must not overwrite).
func (w *conn) arm(ctx context.Context, now int64) bool {
	t := int64(w.g.timeout)
	if now-w.armedAt > t/4 {
		w.nc.SetDeadline(w.g.start.Load().Add(time.Duration(now + t)))
		w.armedAt = now
		if ctx.Err() != nil {
			return false
		}
	}
	return true
}

// fail counts n errors of kind k; err, if not nil, is kept as the kind's
// example when it is the first.
func (w *conn) fail(k Kind, n int, err error) {
	w.errs[k] += int64(n)
	w.c.errors.Add(int64(n))
	if err != nil && w.firstErr[k] == "" {
		w.firstErr[k] = err.Error()
	}
}

// broken counts the error that broke the connection (unless ctx is done: a
// request cut off by the end of the run is no error) and the inflight-1
// other requests it abandons, then closes the connection.
func (w *conn) broken(ctx context.Context, err error, inflight int, started, read bool) {
	if ctx.Err() == nil && inflight > 0 {
		w.fail(classify(err, started, read), 1, err)
		if inflight > 1 {
			w.fail(KindAbandoned, inflight-1, nil)
		}
	}
	w.close()
}

// sleep waits for d or until ctx is done, reporting whether d passed.
func (w *conn) sleep(ctx context.Context, d time.Duration) bool {
	if w.timer == nil {
		w.timer = time.NewTimer(d)
	} else {
		w.timer.Reset(d)
	}
	select {
	case <-w.timer.C:
		return true
	case <-ctx.Done():
		w.timer.Stop()
		return false
	}
}

// due is the open loop's step for a connection with n of depth sends in
// flight, sends planned every period from w.next: with none in flight it
// sleeps until the next planned send (slept reports it); it returns the
// clock then and how many planned sends are due by it, at most depth-n.
// ok is false if ctx ended the sleep.
func (w *conn) due(ctx context.Context, period int64, n, depth int) (now int64, k int, slept, ok bool) {
	now = w.now()
	if n == 0 && w.next > now {
		if !w.sleep(ctx, time.Duration(w.next-now)) {
			return now, 0, false, false
		}
		slept = true
		now = w.now()
	}
	for n+k < depth && w.next+int64(k)*period <= now {
		k++
	}
	return now, k, slept, true
}
