package ws

import (
	"net"
	"sync"
	"time"
)

// outq is the outbound queue of a transport whose writes block while the
// peer does not read (a net.Conn: a client, the Hijacker fallback; the
// portable reactor's connections): Write copies into it and returns, and
// a goroutine of the queue's, started when it has bytes and gone when it
// is empty, writes them out. So no write of a Conn waits on the peer —
// a ping, pong or close passes a data message stuck behind a slow reader
// at once, from the writer's side, and the Overflow policy bounds what a
// slow reader costs (Buffered counts the queue), as on the epoll reactor.
// Each write to the peer is bounded by the connection's write deadline
// (PongTimeout, or CloseTimeout without one): a peer that takes nothing
// for that long is as gone as one that answers no ping, and the
// connection closes. An idle connection holds neither buffer nor
// goroutine.
type outq struct {
	write func(p []byte) (int, error) // the blocking write
	shut  func()                      // closes the connection now
	drain func()                      // called when the queue empties or fails (Conn.onDrain)
	limit time.Duration               // the deadline of each write; 0: none

	mu      sync.Mutex
	buf     []byte // queued, not yet taken by the writer
	pending int    // taken by the writer, not yet written
	running bool   // the writer goroutine runs
	closing bool   // Close came while bytes were queued: close once they are out
	err     error  // a write failed: the connection is closed
	wg      sync.WaitGroup
}

// maxSpare is the largest buffer the writer keeps between writes.
const maxSpare = 64 << 10

// Write queues p and returns len(p), or the error of an earlier write
// (or net.ErrClosed after Close).
func (q *outq) Write(p []byte) (int, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.err != nil {
		return 0, q.err
	}
	if q.closing {
		return 0, net.ErrClosed
	}
	q.buf = append(q.buf, p...)
	if !q.running && len(q.buf) > 0 {
		q.running = true
		q.wg.Add(1)
		go q.run()
	}
	return len(p), nil
}

// Buffered returns the bytes queued and not yet written.
func (q *outq) Buffered() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.buf) + q.pending
}

// Close closes the connection once what is queued is written (within the
// write deadline), or at once when nothing is.
func (q *outq) Close() {
	q.mu.Lock()
	q.closing = true
	running := q.running // the writer closes once the queue is out
	q.mu.Unlock()
	if !running {
		q.shut()
	}
}

// Abort closes the connection at once; the writer, if any, fails and
// drops the queue.
func (q *outq) Abort() {
	q.mu.Lock()
	q.closing = true
	q.mu.Unlock()
	q.shut()
}

// Wait waits for the writer goroutine, if any, to end.
func (q *outq) Wait() { q.wg.Wait() }

func (q *outq) run() {
	defer q.wg.Done()
	var spare []byte
	for {
		q.mu.Lock()
		b := q.buf
		if len(b) == 0 {
			q.buf = nil
			q.running = false
			closing := q.closing
			q.mu.Unlock()
			if closing {
				q.shut()
			}
			q.drain()
			return
		}
		q.buf, q.pending = spare, len(b)
		q.mu.Unlock()
		_, err := q.writeAll(b)
		spare = nil
		if cap(b) <= maxSpare {
			spare = b[:0]
		}
		q.mu.Lock()
		q.pending = 0
		if err != nil {
			q.err, q.buf, q.running = err, nil, false
			q.mu.Unlock()
			q.shut()
			q.drain()
			return
		}
		if len(q.buf) == 0 {
			q.buf = nil // spare goes with the goroutine: an idle queue holds no buffer
		}
		q.mu.Unlock()
	}
}

// writeAll writes b, each call bounded by the write deadline.
func (q *outq) writeAll(b []byte) (int, error) {
	n := 0
	for n < len(b) {
		k, err := q.write(b[n:])
		n += k
		if err != nil {
			return n, err
		}
	}
	return n, nil
}
