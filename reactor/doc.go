// Package reactor runs TCP connections on a few event loops instead of a
// goroutine per connection, so that an idle connection costs no goroutine
// and no buffer: about 380 bytes of server memory in total (RSS at 8,000
// idle connections; the Conn itself is 288 bytes).
//
// # Model
//
// A [Reactor] owns N event loops (default GOMAXPROCS). Each loop is one
// goroutine waiting on its own epoll instance (edge-triggered) on Linux; it
// owns its connections, a scratch read buffer and a timer wheel for
// deadlines. A
// connection is handled by callbacks on a [Handler]:
//
//	OnOpen(c)            once, before any data
//	OnData(c, data) int  for every batch of bytes read; returns how many it consumed
//	OnClose(c, err)      once, when the connection is gone
//
// Callbacks for one connection never run concurrently; they run on the
// loop goroutine and must not block it. A handler with slow work hands it
// to a goroutine (a task) and calls [Conn.Write] from there later: Write,
// Close, CloseWrite, PauseRead, ResumeRead and the deadline setters are
// safe from any goroutine. The calls that wait for the loops
// ([Reactor.Shutdown], [Reactor.Close], [Listener.Close]) must not be made
// from a callback.
//
// A loop reads a connection until the socket is empty but at most 16
// times per pass, so that one sender cannot starve the others.
//
// # Memory rule
//
// data passed to OnData points into the loop's scratch buffer and is valid
// only during the call. Bytes the handler did not consume are copied into a
// pooled per-connection buffer and presented again, first, with the next
// data; the buffer goes back to the pool as soon as everything is consumed.
// Outbound bytes that the socket does not take at once are queued in a
// pooled buffer that is returned when the queue drains. An idle connection
// therefore holds its [Conn] (one allocation), a table slot and a wheel
// node, nothing else.
//
// # Writes and backpressure
//
// [Conn.Write] from outside a callback tries the socket first and queues
// only the remainder; writes made during a callback are coalesced and
// flushed with one system call when the callback returns. When a
// connection's queue passes [Config.WriteHighWater], the loop stops reading
// it until the queue has drained, so a peer that sends but never reads
// cannot grow server memory. Write itself never blocks; code that produces
// data without reading (a push server) watches [Conn.Buffered] or
// implements [DrainHandler].
//
// # Waiting
//
// An idle loop does not block its OS thread: its epoll descriptor is
// itself watched by the Go runtime's network poller, and the loop parks
// like any goroutine blocked on a socket until the descriptor is readable,
// a goroutine posts work to the loop, or the next deadline is due. The
// thread meanwhile runs other goroutines, notably those a callback has just
// started: with GOMAXPROCS=1 a thread blocked in epoll_wait keeps the only
// P, and such a goroutine waits until the runtime takes the P back (20 us
// to 10 ms). Parking shortens the wait for a reply written from a
// goroutine that a callback starts (as http1 runs a Handler); its price is
// CPU when loops go idle often. [Config.BlockingWait] restores the
// blocking wait; docs/benchmarks.md has the measurements.
//
// # Protocol seams
//
// Protocols stack on a connection through two seams. [Conn.Handoff] gives
// a live connection, with the input kept unconsumed, to another handler
// on the same loop (an HTTP Upgrade becomes a WebSocket connection), with
// no goroutine and no copy. A [Layer] installed with [Conn.SetLayer] sits
// between the socket and the handler (TLS): bytes read go through it to
// OnData as plaintext, and Write goes through it to the socket, sharing
// the outbound queue, its backpressure and the write deadline.
//
// # Deadlines
//
// [Config.IdleTimeout], [Conn.SetReadDeadline] and [Conn.SetWriteDeadline]
// run on the loop's timer wheel (resolution [Config.TimerTick]). An expired
// deadline closes the connection and OnClose receives [ErrIdleTimeout],
// [ErrReadTimeout] or [ErrWriteTimeout], which satisfy Timeout() bool and
// errors.Is(err, os.ErrDeadlineExceeded).
//
// # Lifecycle
//
// [New] starts the loops; [Reactor.Listen] and [Reactor.Serve] add
// listeners; [Reactor.Dial] makes outbound connections on the same loops.
// [Reactor.Shutdown] stops accepting, drains every connection (reads what
// has arrived, flushes what is queued, closes gracefully) and then closes;
// [Reactor.Close] closes everything at once. Both return only after every
// goroutine the reactor started has exited.
//
// # Portability
//
// On Linux the reactor uses epoll and eventfd (package reactor/internal/poll). On
// other systems the same API runs over the standard library's net package
// with a goroutine per connection; programs work, without the memory rule.
// There an idle connection holds its goroutine, Write waits until the
// socket takes the bytes (nothing is queued: Buffered is 0), Close does
// not linger, TryRead, TryWritev and SendFile report
// errors.ErrUnsupported, and Stats.Busy stays zero.
// The build tag reactor_portable selects that version on Linux too, so
// that its tests run there (go test -tags reactor_portable ./reactor).
package reactor
