// Package http1 is a strict HTTP/1.1 server (RFC 9112) that runs standard
// [net/http] Handlers.
//
// [Server] is shaped like [http.Server], so switching is a one-line change:
//
//	srv := &http1.Server{Addr: ":8080", Handler: mux}
//	err := srv.ListenAndServe()
//
// Unlike http.Server its zero value is safe to expose: header, body, write
// and idle timeouts and limits on the request line, header section and body
// are all on by default.
//
// The parser is incremental and allocation-free (package
// internal/http1parse): it resumes across any TCP split, refuses anything a
// second server might read differently (request smuggling) and closes the
// connection after such a request. Pipelined requests are answered in order,
// and their responses are written together.
//
// # Transports
//
// [Server.ListenAndServe], and [Server.Serve] given a *net.TCPListener or a
// shio tcp.Listener (through its ServeEvents method, on the tcp Network's
// own loops), run connections on package reactor's event loops. The loop
// parses request heads as bytes arrive; once a head is complete a goroutine
// runs the Handler (and any pipelined requests behind it), reading body
// bytes that the loop hands over, and goes back to a pool of warm
// goroutines when no complete request is left (package internal/gopool:
// its stack is already grown, where a fresh goroutine would grow and copy
// its stack through the Handler's calls on every request; parked
// goroutines exit after ten idle seconds). An idle keep-alive connection
// therefore holds no goroutine and no buffer: about 0.8 KiB of server RSS
// each at 19,000 connections, against 19 KiB for net/http (docs/benchmarks.md).
//
// A Handler may take its connection over with [http.Hijacker] (a WebSocket
// upgrade): on the reactor the connection becomes a shio tcp.Conn on the
// same loop, a net.Conn with deadlines that still holds no goroutine or
// buffer while nobody reads it.
//
// [Server.ServeTLS] and [Server.ListenAndServeTLS] serve HTTPS on the
// reactor too, with TLS as a layer of each connection (package tlslayer,
// crypto/tls unmodified): an idle HTTPS keep-alive connection holds no
// goroutine (about 13 KB of server RSS each at 19,000 connections, against
// 37 KB for net/http; bench/http/README.md). The handshake runs on a
// goroutine of its own once the ClientHello has arrived and is bounded by
// ReadHeaderTimeout; ALPN offers http/1.1 (a client offering only h2 gets
// a no_application_protocol alert); each Request has TLS set; a graceful
// close and Shutdown send close_notify.
//
// Serve given any other listener (a tls.Listener, in-memory pipes) falls
// back to a goroutine per connection, as net/http does, with the same
// parser and response writer; so does ServeTLS given one.
//
// # Bulk bodies
//
// On the reactor a large response write goes to the socket from the
// Handler's goroutine while the socket takes it, copying nothing, with the
// head and the first body bytes in one writev(2); when the socket is full
// the write waits for the client to read (each wait bounded by the write
// timeout) instead of queueing the rest. Small writes, and every write
// under TLS, go through the connection's bounded queue. io.Copy from an
// *os.File, http.ServeContent and http.FileServer send with sendfile(2)
// (the ResponseWriter's ReadFrom), the response head sent just before
// with MSG_MORE so that it shares the first file bytes' segment. A large
// body read (16 KiB or more)
// with no bytes already received reads the socket itself, straight into
// the Handler's buffer, the loop's reads paused meanwhile: while a Handler
// reads an upload this way and stops reading without finishing it, the
// client's FIN is seen only at its next read (as once more than 64 KiB of
// body waits unread). A chunked body's Read decodes every chunk already
// received, and a large chunk's data goes straight into the Handler's
// buffer too.
//
// # When the client leaves
//
// A request's context ends when its client leaves while the Handler runs,
// by a reset or by its FIN (a client that half-closes after its request
// is taken as gone, as net/http does), whether the body was read or not;
// the deprecated [http.CloseNotifier] reports the same. On the reactor the
// loop notices at once, since it reads every connection; on the fallback
// path, as in net/http, a background read notices once the request's body
// has been read (a FIN behind an unread body is not seen until then).
//
// # Differences from net/http
//
//   - Timeouts and limits are on by default, and WriteTimeout and
//     ReadTimeout bound each write and read (time without progress), not
//     the whole response, so long streams need no special handling.
//   - Requests that net/http would read leniently are refused (see package
//     internal/http1parse), and the connection is closed after them.
//   - A panicking Handler gets a 500 response when nothing was sent yet;
//     the connection is then closed.
//   - CONNECT is refused with 501: the server makes no tunnels.
//   - Each request's context is its own (pipelined requests do not share
//     one) and shares one allocation with the *http.Request and its URL;
//     it answers http.LocalAddrContextKey.
//   - Shutdown waits (up to its context) for hijacked reactor connections
//     to be closed by their owners; use RegisterOnShutdown to tell them.
//   - A method that differs from a standard one only in case ("get") is
//     refused with 501: methods are case-sensitive (RFC 9110 section 9.1).
//   - A request head left unfinished past ReadHeaderTimeout gets 408 and
//     the connection closes; an idle connection closes without a word.
//   - "OPTIONS *" is answered by the server (200, empty), as net/http does.
//   - HTTP/2 is not served, over TLS (ALPN offers http/1.1 only) or
//     cleartext; "PRI * HTTP/2.0" is refused.
//   - A nil ErrorLog means no logging at all (net/http then logs to the
//     log package's standard logger); OnPanic, if set, takes the panics.
//   - On the reactor, ConnState and ConnContext run on the event loop (so
//     must not block) and see the connection as a net.Conn whose Read
//     fails: the server reads it.
//   - A malformed request line or field line is answered 400 as soon as
//     it is complete, and a connection's first head must be complete
//     ReadHeaderTimeout after the accept, as in net/http.
//   - MaxBodyBytes (8 MiB by default) refuses larger bodies: a declared
//     length with 413 before the Handler runs, a chunked body with an
//     *http.MaxBytesError from Read. net/http has no such limit.
//   - A response body of up to 4 KiB written without a Flush gets a
//     Content-Length (net/http: up to 2 KiB; past that both chunk it).
//   - A body the Handler left unread, also behind http.MaxBytesReader,
//     is drained up to 256 KiB and the connection kept; past that the
//     response says "Connection: close" and the connection closes.
//     net/http closes whenever a MaxBytesReader hit its limit (it learns
//     of it through an unexported method, which no other server can
//     implement).
//   - On the reactor, the Date the server adds is the time the loop
//     received the request (one clock reading for the requests that
//     arrived together, as an event loop such as nginx's caches it), not
//     the time its head is written: a response is dated at most the time
//     its Handler, and those of the pipelined requests before it in the
//     same read, ran before the head (output sent meanwhile, by a Flush or
//     16 KiB of body, or a wait for body bytes makes the next head read
//     the clock again).
//   - The response header map, like the ResponseWriter, belongs to the
//     server and is reused, cleared, for later requests (on the reactor,
//     once the connection is idle, for any connection's): a Handler, or a
//     goroutine it started, that keeps w.Header() past its return sees it
//     emptied and refilled by another response, and reading it then races
//     with that response. Keep a copy (w.Header().Clone()) instead.
//     net/http allocates a map per response, which here would add
//     allocations to every request for a use its own documentation rules
//     out ("A ResponseWriter may not be used after the
//     Handler.ServeHTTP method has returned").
//
// The compatibility suite (module compat/ in the repository) serves chi,
// http.FileServer, httputil.ReverseProxy, Server-Sent Events,
// gorilla/websocket, coder/websocket, http.TimeoutHandler,
// http.MaxBytesReader, large uploads, net/http/pprof and expvar with both
// servers and compares the responses; its README lists what it
// normalises.
package http1
