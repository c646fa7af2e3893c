package loadgen

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// HTTPConfig configures an [HTTP] generator. Only URL is required.
type HTTPConfig struct {
	// URL is the target, http://host[:port][/path][?query], or https://
	// when Dial speaks TLS (the default port is then 443).
	URL string
	// Method is the request method; "" means GET. HEAD responses are read
	// without a body.
	Method string
	// Header holds extra request header fields, sent in sorted order. A
	// Host field replaces the URL's host.
	Header http.Header
	// Body is sent with every request, with its Content-Length.
	Body []byte
	// Conns is the number of connections; zero means 1.
	Conns int
	// Requests stops the run after this many requests in all; zero means
	// no limit (the run lasts until ctx is done).
	Requests int64
	// Rate, when positive, makes an open loop: requests are sent at this
	// many per second in all, spread evenly over the connections, and
	// latency runs from each request's intended send time. Zero means a
	// closed loop: every connection sends as soon as it has room.
	Rate float64
	// Pipeline is the number of requests in flight per connection; zero
	// means 1. In a closed loop, freed slots are refilled in one write once
	// the responses already received have been read, as wrk does. In an
	// open loop a request that falls due while others are in flight is
	// sent when the next response arrives (one goroutine per connection
	// both reads and writes), and is charged from its intended time.
	Pipeline int
	// Timeout fails a request not answered within it (to within a
	// quarter); zero means 10s.
	Timeout time.Duration
	// Dial opens connections; nil means [NetDial].
	Dial Dialer
}

// HTTP is an HTTP/1.1 load generator. Create one with [NewHTTP]; Run it
// once. Its methods are safe for concurrent use (Progress while Run runs).
type HTTP struct {
	g        *core
	req      []byte // the request, repeated Pipeline times
	reqLen   int
	pipeline int
	noBody   bool
	period   int64 // open loop: ns between two sends on one connection
	offset   int64 // open loop: ns between the first sends of two connections
}

// NewHTTP validates cfg and encodes the request. It wraps [ErrConfig] on a
// malformed URL or an invalid setting.
func NewHTTP(cfg HTTPConfig) (*HTTP, error) {
	u, err := url.Parse(cfg.URL)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrConfig, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("%w: URL %q: scheme must be http or https", ErrConfig, cfg.URL)
	}
	if u.Host == "" {
		return nil, fmt.Errorf("%w: URL %q has no host", ErrConfig, cfg.URL)
	}
	addr := u.Host
	if u.Port() == "" {
		addr = net.JoinHostPort(u.Hostname(), map[string]string{"http": "80", "https": "443"}[u.Scheme])
	} else if _, err := strconv.ParseUint(u.Port(), 10, 16); err != nil {
		return nil, fmt.Errorf("%w: URL %q: bad port", ErrConfig, cfg.URL)
	}
	if cfg.Conns < 0 || cfg.Pipeline < 0 || cfg.Requests < 0 || cfg.Rate < 0 || cfg.Timeout < 0 {
		return nil, fmt.Errorf("%w: negative setting", ErrConfig)
	}
	method := cmp(cfg.Method, "GET")
	if strings.ContainsAny(method, " \r\n") {
		return nil, fmt.Errorf("%w: bad method %q", ErrConfig, method)
	}
	conns := max(cfg.Conns, 1)
	pipeline := max(cfg.Pipeline, 1)
	req, err := encodeRequest(method, u, cfg.Header, cfg.Body)
	if err != nil {
		return nil, err
	}
	h := &HTTP{
		g:        newCore(addr, cfg.Dial, conns, cfg.Timeout, cfg.Requests),
		req:      slices.Repeat(req, pipeline),
		reqLen:   len(req),
		pipeline: pipeline,
		noBody:   method == "HEAD",
	}
	if cfg.Rate > 0 {
		h.offset = max(int64(float64(time.Second)/cfg.Rate), 1)
		h.period = max(int64(float64(time.Second)*float64(conns)/cfg.Rate), 1)
	}
	return h, nil
}

func cmp(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// encodeRequest returns the request's bytes.
func encodeRequest(method string, u *url.URL, hdr http.Header, body []byte) ([]byte, error) {
	var b strings.Builder
	target := u.RequestURI()
	fmt.Fprintf(&b, "%s %s HTTP/1.1\r\n", method, target)
	host := u.Host
	if h := hdr.Get("Host"); h != "" {
		host = h
	}
	fmt.Fprintf(&b, "Host: %s\r\n", host)
	for _, k := range slices.Sorted(func(yield func(string) bool) {
		for k := range hdr {
			if !yield(k) {
				return
			}
		}
	}) {
		if http.CanonicalHeaderKey(k) == "Host" || http.CanonicalHeaderKey(k) == "Content-Length" {
			continue
		}
		for _, v := range hdr[k] {
			if strings.ContainsAny(k, " :\r\n") || strings.ContainsAny(v, "\r\n") {
				return nil, fmt.Errorf("%w: bad header %q: %q", ErrConfig, k, v)
			}
			fmt.Fprintf(&b, "%s: %s\r\n", k, v)
		}
	}
	if len(body) > 0 || method == "POST" || method == "PUT" || method == "PATCH" {
		fmt.Fprintf(&b, "Content-Length: %d\r\n", len(body))
	}
	b.WriteString("\r\n")
	b.Write(body)
	return []byte(b.String()), nil
}

// Progress returns the counts so far; it is safe to call while Run runs.
func (h *HTTP) Progress() Progress { return h.g.progress() }

// Run sends requests until ctx is done or the request limit is reached,
// then returns what it measured. Requests in flight when ctx ends are
// neither counted nor errors. Run panics if called twice.
//
// It returns an error wrapping [ErrNoConnection] when no connection could be
// made at all, with the result so far (the connect errors).
//
// # Cancellation
//
// When ctx is done every connection's deadline is set in the past, so Run
// returns promptly; every connection is closed and every goroutine has
// exited when it returns.
func (h *HTTP) Run(ctx context.Context) (*Result, error) {
	return h.g.run(ctx, h.serve)
}

// serve is one connection's worker.
func (h *HTTP) serve(ctx context.Context, w *conn) {
	w.status = make([]int64, 600)
	w.sent = make([]int64, h.pipeline)
	w.next = int64(w.id) * h.offset
	for {
		if w.nc == nil && (h.g.exhausted() || !w.connect(ctx)) {
			return
		}
		if !h.session(ctx, w) {
			return
		}
	}
}

// session runs requests on w's connection until it breaks (returning true:
// reconnect) or the run is over (returning false).
func (h *HTTP) session(ctx context.Context, w *conn) bool {
	depth := h.pipeline
	head, n := 0, 0 // ring of in-flight send times
	now := w.now()  // refreshed at every send and every response
	for {
		if n == 0 || (n < depth && w.br.Buffered() == 0) {
			k := depth - n
			slept := false
			if h.period > 0 {
				var ok bool
				if now, k, slept, ok = w.due(ctx, h.period, n, depth); !ok {
					return false
				}
			} else if n > 0 {
				now = w.now()
			}
			k = h.g.claim(k)
			if k == 0 && n == 0 {
				return false // request limit reached
			}
			if k > 0 {
				for range k {
					t := now
					if h.period > 0 {
						// Charge the wait from the intended time, unless the
						// connection was idle, asleep on its own timer: a
						// late wake-up (Go timers may fire up to a
						// millisecond late) is the generator's, not the
						// server's.
						if !slept {
							t = w.next
						}
						w.next += h.period
					}
					w.sent[(head+n)%depth] = t
					n++
				}
				if !w.arm(ctx, now) {
					return false
				}
				m, err := w.nc.Write(h.req[:k*h.reqLen])
				w.written += int64(m)
				if err != nil {
					w.broken(ctx, err, n, false, false)
					return ctx.Err() == nil
				}
			}
		}
		if !w.arm(ctx, now) {
			return false
		}
		status, closeConn, started, err := readResponse(w.br, h.noBody)
		if err != nil {
			w.broken(ctx, err, n, started, true)
			return ctx.Err() == nil
		}
		now = w.now()
		w.lat.record(now - w.sent[head])
		head = (head + 1) % depth
		n--
		w.status[status]++
		w.c.done.Add(1)
		if closeConn {
			if n > 0 && ctx.Err() == nil {
				w.fail(KindAbandoned, n, nil)
			}
			w.close()
			return ctx.Err() == nil
		}
	}
}
