package http1

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/shio-rt/shio/http1/internal/http1parse"
	"github.com/shio-rt/shio/internal/gopool"
	"github.com/shio-rt/shio/internal/obs"
	"github.com/shio-rt/shio/reactor"
	"github.com/shio-rt/shio/tlslayer"
)

// Defaults for the zero fields of [Server].
const (
	DefaultReadHeaderTimeout = 10 * time.Second
	DefaultReadTimeout       = 30 * time.Second
	DefaultWriteTimeout      = 30 * time.Second
	DefaultIdleTimeout       = 60 * time.Second
	DefaultMaxBodyBytes      = 8 << 20
)

// Server serves HTTP/1.1 with a standard [http.Handler]. Its exported fields
// must be set before the first call to Serve or ListenAndServe and not
// changed after; its methods are safe for concurrent use.
//
// The zero value is a server with every timeout and limit on (see each
// field); a negative timeout or MaxBodyBytes turns that one off. The limits
// on the request head cannot be turned off: a non-positive value means the
// default.
type Server struct {
	// Addr is the TCP address ListenAndServe listens on; empty means ":http".
	Addr string
	// Handler answers every request; nil means http.DefaultServeMux.
	Handler http.Handler

	// ReadHeaderTimeout bounds the time from a request's first byte to the
	// end of its head, and for a connection's first request the time from
	// the accept (as in net/http): a connection that sends nothing is
	// dropped after it, one that sends part of a head gets 408. Zero means
	// DefaultReadHeaderTimeout (10s).
	ReadHeaderTimeout time.Duration
	// ReadTimeout bounds each read of a request body (time without progress,
	// not the whole body). Zero means DefaultReadTimeout (30s).
	ReadTimeout time.Duration
	// WriteTimeout bounds each write of a response (time without progress,
	// so long streams are fine). Zero means DefaultWriteTimeout (30s).
	WriteTimeout time.Duration
	// IdleTimeout bounds the wait for the next request on a keep-alive
	// connection. Zero means DefaultIdleTimeout (60s).
	IdleTimeout time.Duration

	// MaxRequestLineBytes bounds the request line (414 past it). Zero means
	// 8 KiB.
	MaxRequestLineBytes int
	// MaxHeaderBytes bounds the header section (431 past it). Zero means
	// 16 KiB.
	MaxHeaderBytes int
	// MaxHeaderCount bounds the number of header fields (431 past it). Zero
	// means 100.
	MaxHeaderCount int
	// MaxBodyBytes bounds a request body: a larger Content-Length is refused
	// with 413 before the Handler runs, and a chunked body that grows past it
	// fails the Handler's Read with an *http.MaxBytesError. Zero means
	// DefaultMaxBodyBytes (8 MiB).
	MaxBodyBytes int64

	// TLSConfig, if not nil, configures ServeTLS and ListenAndServeTLS (it
	// is cloned; "http/1.1" is offered by ALPN when it names no protocol).
	TLSConfig *tls.Config

	// MaxTLSHandshakes bounds the TLS handshakes that run at once, each
	// on a goroutine (tlslayer.Handshaker.MaxHandshakes): connections
	// past it wait for a slot without a goroutine, within the handshake
	// timeout (ReadHeaderTimeout). Zero means
	// tlslayer.DefaultMaxHandshakes (1024); negative means no bound.
	MaxTLSHandshakes int

	// BaseContext, if not nil, returns the context requests derive from for
	// a listener. It must not return nil.
	BaseContext func(net.Listener) context.Context
	// ConnContext, if not nil, derives the context of a new connection's
	// requests from the listener's, as in net/http. On the reactor it runs
	// on the event loop and is given the connection as a net.Conn whose
	// Read fails (the server reads it); it must not block or return nil.
	ConnContext func(ctx context.Context, c net.Conn) context.Context
	// ConnState, if not nil, is told each connection's state changes, as
	// in net/http: StateNew at the accept, StateActive when a request's
	// first byte arrives, StateIdle between requests, StateHijacked or
	// StateClosed at the end. On the reactor it runs on the event loop (or
	// the request goroutine) and must not block; the net.Conn is the same
	// value for all of a connection's calls.
	ConnState func(net.Conn, http.ConnState)
	// ErrorLog, if not nil, gets what net/http's server logs: Handler
	// panics (when OnPanic is nil) and failed accepts. A *log.Logger
	// satisfies it (a nil *log.Logger must not be assigned: leave the
	// field nil). Nil means no logging at all (unlike net/http, which then
	// uses the log package's standard logger).
	ErrorLog Logger
	// OnPanic, if not nil, is called (on the connection's goroutine) with
	// the value and stack of a Handler panic other than http.ErrAbortHandler.
	// The server itself never logs.
	OnPanic func(r *http.Request, value any, stack []byte)

	stats        statsCounters
	shuttingDown atomic.Bool
	noKeepAlive  atomic.Bool    // SetKeepAlivesEnabled(false)
	wg           sync.WaitGroup // accept loops, connections, request goroutines
	stopOnce     sync.Once
	poolOnce     sync.Once
	pool         gopool.Pool[requestWork] // runs reactor-path requests
	stopped      chan struct{}            // closed when reactor-path Serve calls must return

	mu        sync.Mutex // guards the fields below
	listeners map[*net.Listener]struct{}
	conns     map[*netConn]struct{} // fallback-path connections
	reactors  []*reactor.Reactor
	rconns    map[*rconn]*reactorHandler // connections served on another's reactor
	cancels   []context.CancelFunc       // base contexts, cancelled by Close
	onShut    []func()                   // from RegisterOnShutdown
	// upgraded holds the handlers that Upgrade gave connections of rconns
	// to, when they take part in a shutdown (reactor.ShutdownHandler).
	upgraded map[*rconn]reactor.ShutdownHandler
}

// Logger is what [Server.ErrorLog] writes to; *log.Logger satisfies it.
type Logger interface {
	Printf(format string, v ...any)
}

// RegisterOnShutdown registers f to be called, in its own goroutine, when
// Shutdown begins, as net/http's Server does: the way to tell the owners of
// hijacked connections (WebSockets, say), which Shutdown does not close,
// that the server is going away.
func (s *Server) RegisterOnShutdown(f func()) {
	s.mu.Lock()
	s.onShut = append(s.onShut, f)
	s.mu.Unlock()
}

// SetKeepAlivesEnabled controls whether connections are kept open after a
// response (the default) or closed, each response saying "Connection:
// close", as net/http's does. Turning them off closes idle connections of
// the goroutine-per-connection path at once; reactor connections close
// after their next response or at their idle timeout. It is safe to call
// at any time.
func (s *Server) SetKeepAlivesEnabled(v bool) {
	s.noKeepAlive.Store(!v)
	if !v {
		s.closeIdle()
	}
}

// keepAlive reports whether a response may leave its connection open.
func (s *Server) keepAlive() bool { return !s.shuttingDown.Load() && !s.noKeepAlive.Load() }

// ListenAndServeTLS listens on s.Addr (empty: ":https") and serves TLS on
// it with the certificate and key in certFile and keyFile (PEM; either may
// be empty when TLSConfig has Certificates or GetCertificate), as
// net/http's does. The connections are served on the reactor (see
// [Server.ServeTLS]); each Request has TLS set. It returns
// http.ErrServerClosed after Shutdown or Close.
func (s *Server) ListenAndServeTLS(certFile, keyFile string) error {
	if s.shuttingDown.Load() {
		return http.ErrServerClosed
	}
	addr := s.Addr
	if addr == "" {
		addr = ":https"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	return s.ServeTLS(ln, certFile, keyFile)
}

// ServeTLS serves TLS on l with the certificate and key in certFile and
// keyFile (see ListenAndServeTLS). It closes l.
//
// A *net.TCPListener or a shio tcp.Listener is served on the reactor, as
// Serve does, with TLS as a layer of each connection (package tlslayer):
// an idle keep-alive connection holds no goroutine; the handshake runs on
// a goroutine of its own once the ClientHello has arrived, bounded by
// ReadHeaderTimeout, as is the wait for the ClientHello; at most
// MaxTLSHandshakes run at once, and connections past it wait for a slot
// without a goroutine. A plain HTTP request gets net/http's answer ("400
// Bad Request", "Client sent an HTTP request to an HTTPS server.") and a
// close. Shutdown and a "Connection: close" response send close_notify.
// Any other listener is wrapped with tls.NewListener and served with a
// goroutine per connection.
//
// TLSConfig's NextProtos defaults to "http/1.1"; a client that offers
// only other protocols (only "h2") is refused with a
// no_application_protocol alert.
func (s *Server) ServeTLS(l net.Listener, certFile, keyFile string) error {
	cfg := &tls.Config{}
	if s.TLSConfig != nil {
		cfg = s.TLSConfig.Clone()
	}
	if len(cfg.NextProtos) == 0 {
		cfg.NextProtos = []string{"http/1.1"}
	}
	if len(cfg.Certificates) == 0 && cfg.GetCertificate == nil || certFile != "" || keyFile != "" {
		cert, err := tls.LoadX509KeyPair(certFile, keyFile)
		if err != nil {
			l.Close()
			return err
		}
		cfg.Certificates = append(cfg.Certificates, cert)
	}
	return s.serveTLS(l, cfg)
}

// ListenAndServe listens on s.Addr and serves it on the reactor (see
// [Server.Serve]) until Shutdown or Close, then returns
// http.ErrServerClosed.
func (s *Server) ListenAndServe() error {
	if s.shuttingDown.Load() {
		return http.ErrServerClosed
	}
	addr := s.Addr
	if addr == "" {
		addr = ":http"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	return s.Serve(ln)
}

// Serve serves the connections accepted on l until Shutdown or Close, then
// returns http.ErrServerClosed. Serve closes l.
//
// A *net.TCPListener is served on the reactor: its connections are moved to
// shio's event loops, where an idle keep-alive connection holds no
// goroutine and no buffer and a goroutine exists only while a request
// runs. A shio tcp.Listener is served the same way, on its own Network's
// loops (through its ServeEvents method), apart from connections it had
// queued for Accept before Serve, which get a goroutine each; the
// listener's reactor is released once its connections have closed. Any
// other listener (TLS, in-memory pipes) is served the way
// net/http does, with a goroutine per connection; there, an error from
// l.Accept that is not temporary ends Serve with that error.
func (s *Server) Serve(l net.Listener) error { return s.serve(l, nil) }

// serve is Serve, with TLS on every connection if hs is not nil.
func (s *Server) serve(l net.Listener, hs *tlslayer.Handshaker) error {
	ctx, ok := s.baseContext(l)
	if !ok {
		l.Close()
		return http.ErrServerClosed
	}
	if _, tcp := l.(*net.TCPListener); tcp {
		return s.serveReactor(ctx, l, hs)
	}
	defer l.Close()
	if !s.trackListener(&l, true) {
		return http.ErrServerClosed
	}
	defer s.trackListener(&l, false)
	if el, ok := l.(eventListener); ok {
		// New connections go to the event handler; Accept yields only
		// those queued before, served below with a goroutine each.
		h := &reactorHandler{s: s, base: ctx, foreign: true, tls: hs}
		release, err := el.ServeEvents(h)
		if err != nil {
			return err
		}
		defer func() {
			// Runs before trackListener's Done, so the Add is legal.
			s.wg.Add(1)
			go func() {
				defer s.wg.Done()
				h.conns.Wait()
				if hs != nil {
					hs.Wait() // ended by the connections' OnClose
				}
				release()
			}()
		}()
	}
	var delay time.Duration
	for {
		rwc, err := l.Accept()
		if err != nil {
			if s.shuttingDown.Load() {
				return http.ErrServerClosed
			}
			s.stats.acceptErrors.Add(1)
			if s.ErrorLog != nil {
				s.ErrorLog.Printf("http1: Accept error: %v", err)
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() || errors.Is(err, errTooManyFiles) {
				delay = min(max(2*delay, 5*time.Millisecond), time.Second)
				time.Sleep(delay)
				continue
			}
			return err
		}
		delay = 0
		if hs != nil { // queued for Accept before ServeEvents
			rwc = tls.Server(rwc, hs.TLS)
		}
		t := &netConn{Conn: rwc, opened: obs.Now()}
		c := newConn(s, t)
		if !s.trackConn(t, true) {
			rwc.Close()
			return http.ErrServerClosed
		}
		s.stats.accepted.Add(1)
		t.setState(s, http.StateNew)
		go t.serve(ctx, c)
	}
}

// baseContext returns the context for l's requests, or false once the
// server is shutting down.
func (s *Server) baseContext(l net.Listener) (context.Context, bool) {
	ctx := context.Background()
	if s.BaseContext != nil {
		ctx = s.BaseContext(l)
	}
	ctx, cancel := context.WithCancel(ctx)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.shuttingDown.Load() {
		cancel()
		return nil, false
	}
	if s.stopped == nil {
		s.stopped = make(chan struct{})
	}
	s.cancels = append(s.cancels, cancel)
	return ctx, true
}

// serveReactor serves l on a new reactor until the server stops.
func (s *Server) serveReactor(ctx context.Context, l net.Listener, hs *tlslayer.Handshaker) error {
	r, err := reactor.New(reactor.Config{IdleTimeout: -1}, &reactorHandler{s: s, base: ctx, tls: hs}) // idle: see rconn.armIdle
	if err != nil {
		l.Close()
		return err
	}
	s.mu.Lock()
	if s.shuttingDown.Load() {
		s.mu.Unlock()
		l.Close()
		r.Close()
		return http.ErrServerClosed
	}
	s.reactors = append(s.reactors, r)
	stopped := s.stopped
	s.wg.Add(1)
	s.mu.Unlock()
	defer s.wg.Done()
	if err := r.Serve(l); err != nil {
		l.Close()
		return err
	}
	<-stopped
	if hs != nil {
		hs.Wait() // the reactor has closed the connections, ending their handshakes
	}
	return http.ErrServerClosed
}

// requestWork is what a pooled goroutine runs: the requests of one
// reactor connection.
type requestWork struct {
	rc   *rconn
	base context.Context
}

// goRequest runs rc's requests on one of the server's warm goroutines (see
// internal/gopool): a fresh goroutine would grow its stack through the
// Handler's calls on every request.
func (s *Server) goRequest(rc *rconn, base context.Context) {
	s.poolOnce.Do(func() { s.pool.Run = func(w requestWork) { w.rc.run(w.base) } })
	s.pool.Go(requestWork{rc, base})
}

// eventListener is a listener that hands its connections to a reactor
// Handler on its own loops: a shio tcp.Listener.
type eventListener interface {
	net.Listener
	ServeEvents(h reactor.Handler) (release func(), err error)
}

// shutdownReactors shuts the reactors down gracefully while ctx lasts and
// releases the reactor-path Serve calls.
func (s *Server) shutdownReactors(ctx context.Context) error { return s.stopReactors(ctx, true) }

// closeReactors closes the reactors at once and releases the reactor-path
// Serve calls.
func (s *Server) closeReactors() { s.stopReactors(context.Background(), false) }

// stopReactors is shutdownReactors (graceful) or closeReactors.
func (s *Server) stopReactors(ctx context.Context, graceful bool) error {
	s.mu.Lock()
	rs := s.reactors
	s.reactors = nil
	if s.stopped == nil {
		s.stopped = make(chan struct{})
	}
	type foreign struct {
		rc *rconn
		h  reactor.ShutdownHandler
	}
	fs := make([]foreign, 0, len(s.rconns))
	for rc, h := range s.rconns {
		f := foreign{rc, h}
		if up := s.upgraded[rc]; up != nil {
			f.h = up // an upgraded connection's new handler says goodbye (a WebSocket's 1001)
		}
		fs = append(fs, f)
	}
	s.mu.Unlock()
	for _, f := range fs {
		if !graceful {
			f.rc.c.Close()
		} else {
			f.h.OnShutdown(f.rc.c)
		}
	}
	var err error
	for _, r := range rs {
		if !graceful {
			r.Close()
		} else if e := r.Shutdown(ctx); e != nil && err == nil {
			err = e
		}
	}
	s.stopOnce.Do(func() { close(s.stopped) })
	return err
}

func (s *Server) trackListener(l *net.Listener, add bool) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !add {
		delete(s.listeners, l)
		s.wg.Done()
		return true
	}
	if s.shuttingDown.Load() {
		return false
	}
	if s.listeners == nil {
		s.listeners = map[*net.Listener]struct{}{}
	}
	s.listeners[l] = struct{}{}
	s.wg.Add(1)
	return true
}

func (s *Server) trackConn(t *netConn, add bool) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !add {
		delete(s.conns, t)
		s.wg.Done()
		return true
	}
	if s.shuttingDown.Load() {
		return false
	}
	if s.conns == nil {
		s.conns = map[*netConn]struct{}{}
	}
	s.conns[t] = struct{}{}
	s.wg.Add(1)
	return true
}

// Shutdown stops the server gracefully: it closes the listeners, closes
// idle connections, lets requests in flight finish (their responses say
// "Connection: close"), and returns once every connection is closed and
// every Serve has returned.
//
// # Cancellation
//
// If ctx ends first, Shutdown returns ctx.Err(). Fallback-path connections
// are left running (call Close to end them); reactor connections are closed
// at once, as [reactor.Reactor.Shutdown] does, and Handlers still running
// see their request context end.
func (s *Server) Shutdown(ctx context.Context) error {
	if !s.shuttingDown.Swap(true) {
		s.mu.Lock()
		for _, f := range s.onShut {
			go f()
		}
		s.mu.Unlock()
	}
	s.closeListeners()
	if err := s.shutdownReactors(ctx); err != nil {
		s.pool.Release() // no parked goroutine outlives the server; Close waits
		return err
	}
	done := make(chan struct{})
	go func() { s.wg.Wait(); close(done) }()
	wait := time.Millisecond
	t := time.NewTimer(0)
	defer t.Stop()
	for {
		s.closeIdle()
		select {
		case <-done:
			s.pool.Close()
			return nil
		case <-ctx.Done():
			// The waiter above exits once Close (or the last request) ends
			// the connections; it owns nothing else.
			s.pool.Release()
			return ctx.Err()
		case <-t.C:
			wait = min(2*wait, 100*time.Millisecond)
			t.Reset(wait)
		}
	}
}

// Close closes the listeners and every connection at once, cancels request
// contexts, and waits for the server's goroutines to exit. Handlers still
// running are not interrupted beyond that: Close returns once they return.
func (s *Server) Close() error {
	s.shuttingDown.Store(true)
	s.closeListeners()
	s.closeReactors()
	s.mu.Lock()
	for t := range s.conns {
		t.Close()
	}
	for _, cancel := range s.cancels {
		cancel()
	}
	s.mu.Unlock()
	s.wg.Wait()
	s.pool.Close()
	return nil
}

// closeListeners closes the listeners outside s.mu: closing a tcp.Listener
// waits for its loops, which may be waiting for s.mu in OnClose.
func (s *Server) closeListeners() {
	s.mu.Lock()
	ls := make([]net.Listener, 0, len(s.listeners))
	for l := range s.listeners {
		ls = append(ls, *l)
	}
	s.mu.Unlock()
	for _, l := range ls {
		l.Close()
	}
}

func (s *Server) closeIdle() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for t := range s.conns {
		if t.state.CompareAndSwap(stateIdle, stateClosed) {
			t.Close()
		}
	}
}

func (s *Server) limits() http1parse.Limits {
	return http1parse.Limits{MaxRequestLine: s.MaxRequestLineBytes, MaxHeaderBytes: s.MaxHeaderBytes, MaxFields: s.MaxHeaderCount}
}

func (s *Server) handler() http.Handler {
	if s.Handler != nil {
		return s.Handler
	}
	return http.DefaultServeMux
}

// timeout returns d, or def when d is zero, or 0 (none) when d is negative.
func timeout(d, def time.Duration) time.Duration {
	switch {
	case d < 0:
		return 0
	case d == 0:
		return def
	}
	return d
}
