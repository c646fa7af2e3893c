package ws

import (
	"context"
	"crypto/sha1"
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"github.com/shio-rt/shio/http1"
	"github.com/shio-rt/shio/reactor"
)

// keyGUID is appended to the client's key to compute the accept value
// (RFC 6455 section 1.3).
const keyGUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

// Upgrader turns HTTP requests into WebSocket connections (the server's
// opening handshake, RFC 6455 section 4.2). On an http1.Server's reactor
// the request's connection becomes a WebSocket connection on its loop,
// with no goroutine and no copy; under any other net/http server it is
// taken over with http.Hijacker (through http.ResponseController, so that
// middleware wrappers are unwrapped) and served by a goroutine.
//
// The zero value is ready to use: same-origin requests only, no
// subprotocol, the zero Config. Its fields are read at the first upgrade
// and must not change after. An Upgrader is safe for concurrent use.
type Upgrader struct {
	// Config holds the connections' limits and timers.
	Config Config
	// Subprotocols lists the subprotocols the server speaks, in its order
	// of preference: the first the client also offers is agreed on. With
	// none, or no match, the connection has no subprotocol.
	Subprotocols []string
	// CheckOrigin reports whether a request's Origin may open a
	// connection; a refused request gets 403. Nil means same-origin only:
	// a request without Origin (not from a browser), or whose Origin's
	// host equals the request's Host. Browsers do not apply the
	// same-origin policy to WebSocket, so a server that accepts cookies
	// must check (cross-site WebSocket hijacking).
	CheckOrigin func(r *http.Request) bool

	once sync.Once
	lim  *limits
	err  error

	mu sync.Mutex
	// Guarded by mu: the connections served through http.Hijacker, each
	// by a goroutine that Shutdown waits for, with the server they came
	// from (an *http1.Server, an *http.Server or nil); the servers whose
	// shutdown hook is registered; whether Shutdown began.
	hijacked map[*Conn]any
	hooked   map[any]bool
	admitted int // upgrades admitted and not yet in hijacked (nor failed)
	shut     bool
	gone     chan struct{} // closed when hijacked empties and admitted is 0, for Shutdown
}

// errShuttingDown refuses a fallback upgrade once Shutdown has begun.
var errShuttingDown = &HandshakeError{Status: http.StatusServiceUnavailable, Reason: "the server is shutting down"}

// admit returns the server an upgrade through http.Hijacker comes from
// (an *http1.Server, an *http.Server or nil), registering, the first time
// it is seen, the hook that sends its connections 1001 when it shuts down;
// it reports false once Shutdown has begun.
func (u *Upgrader) admit(w http.ResponseWriter, r *http.Request) (any, bool) {
	var srv any
	register := func(func()) {}
	if s := http1.ServerOf(w); s != nil {
		srv, register = s, s.RegisterOnShutdown
	} else if s, ok := r.Context().Value(http.ServerContextKey).(*http.Server); ok {
		srv, register = s, s.RegisterOnShutdown
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.shut {
		return nil, false
	}
	if srv != nil && !u.hooked[srv] {
		if u.hooked == nil {
			u.hooked = map[any]bool{}
		}
		u.hooked[srv] = true
		register(func() { u.goingAway(srv) })
	}
	u.admitted++
	return srv, true
}

// add records a connection served through http.Hijacker (it has its
// transport, its goroutine has not started). If Shutdown began since
// admit, the connection is told at once.
func (u *Upgrader) add(c *Conn, srv any) {
	u.mu.Lock()
	if u.hijacked == nil {
		u.hijacked = map[*Conn]any{}
	}
	u.hijacked[c] = srv
	u.admitted--
	late := u.shut
	u.mu.Unlock()
	if late {
		c.Close(StatusGoingAway, "server shutting down")
	}
}

// remove forgets a connection whose goroutine has ended, or (nil) an
// admitted upgrade that failed.
func (u *Upgrader) remove(c *Conn) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if c == nil {
		u.admitted--
	} else {
		delete(u.hijacked, c)
	}
	if len(u.hijacked) == 0 && u.admitted == 0 && u.gone != nil {
		close(u.gone)
		u.gone = nil
	}
}

// goingAway sends 1001 to the connections that came from srv, which is
// shutting down (its RegisterOnShutdown hook). It does not wait: the
// connections end within CloseTimeout, and Shutdown joins their
// goroutines.
func (u *Upgrader) goingAway(srv any) {
	u.mu.Lock()
	var conns []*Conn
	for c, s := range u.hijacked {
		if s == srv {
			conns = append(conns, c)
		}
	}
	u.mu.Unlock()
	for _, c := range conns {
		c.Close(StatusGoingAway, "server shutting down")
	}
}

// Shutdown closes, with 1001 (going away), every connection the Upgrader
// serves through http.Hijacker (under a server that is not on the
// reactor), refuses further such upgrades with 503, and waits until the
// goroutines that serve them have exited: the peers answered, or
// Config.CloseTimeout passed.
//
// The connections of a server that shuts down get 1001 without it: the
// Upgrader registers with the RegisterOnShutdown of each server it sees
// (net/http's, found through http.ServerContextKey, or an http1.Server's).
// Those servers' Shutdown does not wait for hijacked connections, though:
// Shutdown is the call that joins their goroutines, after the server's.
// Connections on an http1.Server's reactor are the server's: its Shutdown
// sends them 1001 and waits for them.
//
// # Cancellation
//
// If ctx ends first, Shutdown returns ctx.Err(); the connections it
// closed still end within CloseTimeout, and their goroutines exit then,
// unobserved. A later Shutdown waits for them again.
func (u *Upgrader) Shutdown(ctx context.Context) error {
	u.mu.Lock()
	u.shut = true
	conns := make([]*Conn, 0, len(u.hijacked))
	for c := range u.hijacked {
		conns = append(conns, c)
	}
	var gone chan struct{}
	if len(u.hijacked) > 0 || u.admitted > 0 {
		if u.gone == nil {
			u.gone = make(chan struct{})
		}
		gone = u.gone
	}
	u.mu.Unlock()
	for _, c := range conns {
		c.Close(StatusGoingAway, "server shutting down")
	}
	if gone == nil {
		return nil
	}
	select {
	case <-gone:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// HandshakeError is the error of a refused opening handshake; the client
// was answered with Status.
type HandshakeError struct {
	Status int
	Reason string
}

// Error returns the reason the handshake was refused.
func (e *HandshakeError) Error() string { return "ws: handshake refused: " + e.Reason }

// Accept upgrades the request to a WebSocket connection served by h (the
// event API): it returns as soon as the connection is handed over, and
// the http.Handler that called it should return too, releasing its
// goroutine. A refused handshake is answered (400, 403, or 426 with the
// version this server speaks) and returned as a *HandshakeError.
func (u *Upgrader) Accept(w http.ResponseWriter, r *http.Request, h Handler) error {
	if h == nil {
		panic("ws: Accept with a nil Handler")
	}
	_, err := u.upgrade(w, r, h)
	return err
}

// Upgrade upgrades the request to a WebSocket connection read with
// Conn.ReadMessage, for code written for blocking reads
// (gorilla/websocket's shape). A refused handshake is answered and
// returned as a *HandshakeError.
func (u *Upgrader) Upgrade(w http.ResponseWriter, r *http.Request) (*Conn, error) {
	return u.upgrade(w, r, nil)
}

func (u *Upgrader) limits() (*limits, error) {
	u.once.Do(func() { u.lim, u.err = u.Config.resolve() })
	return u.lim, u.err
}

func (u *Upgrader) upgrade(w http.ResponseWriter, r *http.Request, h Handler) (*Conn, error) {
	lim, err := u.limits()
	if err != nil {
		return nil, err
	}
	key, herr := u.check(r)
	if herr != nil {
		if herr.Status == http.StatusUpgradeRequired {
			w.Header().Set("Sec-WebSocket-Version", "13")
		}
		http.Error(w, herr.Reason, herr.Status)
		return nil, herr
	}
	proto := u.pick(r)
	hdr := w.Header()
	vals := &[3]string{"websocket", "Upgrade", acceptKey(key)} // one allocation for the answer's values
	hdr["Upgrade"] = vals[0:1:1]
	hdr["Connection"] = vals[1:2:2]
	hdr["Sec-Websocket-Accept"] = vals[2:3:3]
	if proto != "" {
		hdr["Sec-Websocket-Protocol"] = []string{proto}
	}
	c := &Conn{lim: lim, h: h}
	if proto != "" {
		c.extra().proto = proto
	}
	if lim.compress {
		answer, d := acceptDeflate(parseExtensions(r.Header["Sec-Websocket-Extensions"]), lim.threshold)
		if d != nil {
			hdr["Sec-Websocket-Extensions"] = []string{answer}
			c.extra().dfl = d
		}
	}
	c.setup()
	err = http1.Upgrade(w, func(rc *reactor.Conn, unread []byte, closed func(error)) reactor.Handler {
		c.t, c.closed = reactorTransport(rc, c), closed
		if len(unread) > 0 {
			c.extra().pre = append([]byte(nil), unread...)
		}
		return (*events)(c)
	})
	if errors.Is(err, http1.ErrNotReactor) {
		err = u.hijack(w, r, c)
		if err == errShuttingDown {
			for _, k := range []string{"Upgrade", "Connection", "Sec-Websocket-Accept", "Sec-Websocket-Protocol", "Sec-Websocket-Extensions"} {
				delete(hdr, k)
			}
			http.Error(w, errShuttingDown.Reason, errShuttingDown.Status)
		}
	}
	if err != nil {
		return nil, err
	}
	return c, nil
}

// check validates the opening handshake and returns the client's key.
func (u *Upgrader) check(r *http.Request) (string, *HandshakeError) {
	switch {
	case r.Method != http.MethodGet:
		return "", &HandshakeError{http.StatusMethodNotAllowed, "the method is not GET"}
	case !r.ProtoAtLeast(1, 1):
		return "", &HandshakeError{http.StatusBadRequest, "HTTP/1.1 or later is required"}
	case !hasToken(r.Header["Upgrade"], "websocket"):
		return "", &HandshakeError{http.StatusBadRequest, "no 'websocket' token in Upgrade"}
	case !hasToken(r.Header["Connection"], "upgrade"):
		return "", &HandshakeError{http.StatusBadRequest, "no 'upgrade' token in Connection"}
	}
	if v := r.Header["Sec-Websocket-Version"]; len(v) != 1 || v[0] != "13" {
		return "", &HandshakeError{http.StatusUpgradeRequired, "unsupported Sec-WebSocket-Version (13 is spoken)"}
	}
	keys := r.Header["Sec-Websocket-Key"]
	if len(keys) != 1 {
		return "", &HandshakeError{http.StatusBadRequest, "missing or repeated Sec-WebSocket-Key"}
	}
	if !validKey(keys[0]) {
		return "", &HandshakeError{http.StatusBadRequest, "Sec-WebSocket-Key is not 16 bytes in base64"}
	}
	check := u.CheckOrigin
	if check == nil {
		check = sameOrigin
	}
	if !check(r) {
		return "", &HandshakeError{http.StatusForbidden, "origin not allowed"}
	}
	return keys[0], nil
}

// pick returns the first of the server's subprotocols that the client
// offers, or "".
func (u *Upgrader) pick(r *http.Request) string {
	offered := r.Header["Sec-Websocket-Protocol"]
	for _, p := range u.Subprotocols {
		if hasToken(offered, p) {
			return p
		}
	}
	return ""
}

// sameOrigin reports whether r has no Origin or one whose host is r.Host.
func sameOrigin(r *http.Request) bool {
	o := r.Header["Origin"]
	if len(o) == 0 {
		return true
	}
	u, err := url.Parse(o[0])
	if err != nil {
		return false
	}
	return strings.EqualFold(u.Host, r.Host)
}

// validKey reports whether key is 16 bytes in base64 (RFC 6455 section
// 4.2.1), decoding it on the stack.
func validKey(key string) bool {
	if len(key) != 24 {
		return false
	}
	var src [24]byte
	var k [18]byte
	copy(src[:], key)
	n, err := base64.StdEncoding.Decode(k[:], src[:])
	return err == nil && n == 16
}

// acceptKey computes Sec-WebSocket-Accept for a client's key: the string
// is its only allocation.
func acceptKey(key string) string {
	var buf [64]byte
	in := append(append(buf[:0], key...), keyGUID...)
	var sum [sha1.Size]byte
	if len(in) <= len(buf) {
		sum = sha1.Sum(in)
	} else {
		sum = sha1.Sum([]byte(key + keyGUID))
	}
	var out [28]byte
	base64.StdEncoding.Encode(out[:], sum[:])
	return string(out[:])
}

// hasToken reports whether the comma-separated lists in values contain
// token, compared without regard to case.
func hasToken(values []string, token string) bool {
	for _, v := range values {
		for part := range strings.SplitSeq(v, ",") {
			if strings.EqualFold(strings.TrimSpace(part), token) {
				return true
			}
		}
	}
	return false
}
