package http1

import (
	"io"
	"net"
	"os"
	"time"
)

// transport is what a conn reads from and writes to, and the one place
// where the reactor path and the fallback path differ: conn never asks
// which kind it has (as net/http's conn reads through its connReader).
// There are two:
//
//   - *rconn, a connection on a reactor: reads take body bytes the loop
//     hands over, writes queue on the reactor.Conn, deadlines are armed
//     only while a read or write waits for the client, and a goroutine
//     that finds no complete head parks the connection on its loop;
//   - *netConn, the fallback path: a net.Conn served by a goroutine of its
//     own, as net/http does.
//
// A transport is used by the goroutine that runs the connection's requests
// (on the reactor, the one that owns it at the time), never concurrently.
type transport interface {
	// Read reads request body bytes (and, on the fallback, head bytes).
	io.Reader
	// tryRead reads body bytes that have arrived, without waiting: 0 and
	// nil when there are none (or the transport cannot tell).
	tryRead(p []byte) (int, error)
	// Write writes response bytes, waiting while the client is far behind.
	io.Writer
	// writev writes head and then p, as one write where the connection
	// can (writev(2)), and returns how many bytes of p it wrote.
	writev(head, p []byte) (int, error)
	// Close closes the connection after the output already written.
	io.Closer

	// readTimeout bounds the reads that follow to d (d <= 0: no bound);
	// readDeadline bounds them to t (zero: none), for
	// http.ResponseController. The fallback sets the net.Conn's deadline
	// at once; the reactor records the bound and arms it only when a Read
	// has to wait, counting from then.
	readTimeout(d time.Duration)
	readDeadline(t time.Time)
	// writeTimeout and writeDeadline do the same for writes, except that
	// a non-positive d sets no new bound and leaves an earlier one in
	// place.
	writeTimeout(d time.Duration)
	writeDeadline(t time.Time)

	// fillHead adds bytes for the next request head to c.buf, after
	// readHead found none or an incomplete head there: it reports
	// headMore when readHead should parse again, or why it cannot. first
	// reports that this is the head's first wait, after which the header
	// timeout runs.
	fillHead(c *conn, first bool) headResult
	// pipelined reports the connection idle and active again (ConnState)
	// for a request whose first bytes were received with an earlier one:
	// net/http reports every request so, and fillHead, which reports the
	// others, is not asked for its bytes. Only the hook sees the states:
	// the connection is never idle to Shutdown.
	pipelined(c *conn)

	// begin and end bracket a Handler's run with its request's context:
	// begin makes the context answer http.LocalAddrContextKey (unless its
	// parent does) and end ends it, as must a closed connection meanwhile.
	begin(ctx *requestContext)
	end(ctx *requestContext)
	// watchPeer is called once the running request has been read whole
	// (no body, or its end read): from then until end, the client's
	// leaving (its FIN, a reset) must end ctx even though nobody reads
	// (ctx.clientGone). The reactor watches every connection anyway; the
	// fallback starts a background read, as net/http does.
	watchPeer(c *conn, ctx *requestContext)

	// sendFile writes head and then n bytes of f from offset off as
	// response body without copying them through user space, waiting while
	// the client is behind, and returns how many bytes it wrote, head
	// first; errors.ErrUnsupported (nothing of f written, the head perhaps)
	// means copy instead.
	sendFile(head []byte, f *os.File, off, n int64) (int64, error)

	// hijack hands the connection to a Handler (see response.Hijack): nc
	// is the connection, r reads what the client sent after the request
	// head and then from nc.
	hijack(c *conn) (nc net.Conn, r io.Reader, err error)
}

// headResult says what readHead (and a transport's fillHead) did.
type headResult uint8

const (
	// headReady: c.head holds the next request.
	headReady headResult = iota
	// headMore (fillHead only): bytes were added to c.buf (or none, but
	// the connection is still good); parse again.
	headMore
	// headClose: the connection must close; any error response is queued.
	headClose
	// headPark (reactor only): no complete head is left and none has
	// arrived; the goroutine ends and the connection waits on its loop.
	headPark
)

// runResult says why conn.run returned.
type runResult uint8

const (
	// runClose: the connection must close; its output has been flushed.
	runClose runResult = iota
	// runPark (reactor only): every request received has been answered
	// and flushed; the connection waits on its loop for the next.
	runPark
	// runHijacked: a Handler took the connection over; leave it alone.
	runHijacked
)

// until returns the time left until t as a timeout for rconn's waits: 0
// (none) for the zero t, at least a nanosecond for a t already past.
func until(t time.Time) time.Duration {
	if t.IsZero() {
		return 0
	}
	return max(time.Until(t), 1)
}
