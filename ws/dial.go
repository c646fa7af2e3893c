package ws

import (
	"bufio"
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/base64"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Dialer opens client connections (the client's opening handshake, RFC
// 6455 section 4.1). The zero value is ready to use; its fields must not
// change while a Dial runs.
//
// A client connection is served by a goroutine of its own that reads it
// (the core — framing, UTF-8, the close handshake, keep-alive — is the
// server's); the writes are the server's too, except that they are
// masked and go straight to the socket, so Buffered is 0 and a write
// waits while the server does not read (up to PongTimeout, after which the
// connection closes). The caller owns that goroutine: Close the
// connection, then Wait for it.
type Dialer struct {
	// Config holds the connection's limits and timers; HandshakeTimeout
	// bounds the TCP and TLS connection and the opening handshake.
	Config Config
	// Subprotocols are offered in this order; the server picks one or
	// none (Conn.Subprotocol).
	Subprotocols []string
	// Header holds extra fields for the handshake request (Origin,
	// Authorization, cookies).
	Header http.Header
	// TLSConfig configures wss:// connections; nil means the defaults,
	// with the URL's host as the server name.
	TLSConfig *tls.Config
	// NetDial, if not nil, makes the TCP connection (a proxy, a test
	// listener); nil means net.Dialer.DialContext.
	NetDial func(ctx context.Context, network, addr string) (net.Conn, error)
}

// Dial opens a client connection to a ws:// or wss:// URL with the zero
// Dialer: see [Dialer.Dial].
func Dial(ctx context.Context, rawURL string, h Handler) (*Conn, *http.Response, error) {
	var d Dialer
	return d.Dial(ctx, rawURL, h)
}

// Dial connects to rawURL (ws:// or wss://), performs the opening
// handshake and returns the connection, served by h (the event API) or,
// with a nil h, read with ReadMessage. It also returns the server's
// response: on a refused handshake (any status but 101, a wrong accept
// key, a subprotocol or extension not offered) the error is a
// *HandshakeError and the response's body has been read up to 1 KiB and
// closed.
//
// # Cancellation
//
// If ctx ends before the handshake completes, Dial closes the connection
// and returns ctx.Err(); once it has returned, ctx no longer matters.
func (d *Dialer) Dial(ctx context.Context, rawURL string, h Handler) (*Conn, *http.Response, error) {
	lim, err := d.Config.resolve()
	if err != nil {
		return nil, nil, err
	}
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, nil, err
	}
	secure := false
	switch u.Scheme {
	case "ws":
	case "wss":
		secure = true
	default:
		return nil, nil, fmt.Errorf("ws: unsupported URL scheme %q", u.Scheme)
	}
	host := u.Host
	if u.Port() == "" {
		if secure {
			host = net.JoinHostPort(u.Hostname(), "443")
		} else {
			host = net.JoinHostPort(u.Hostname(), "80")
		}
	}
	if lim.handshake > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, lim.handshake)
		defer cancel()
	}
	dial := d.NetDial
	if dial == nil {
		var nd net.Dialer
		dial = nd.DialContext
	}
	nc, err := dial(ctx, "tcp", host)
	if err != nil {
		return nil, nil, err
	}
	// The context bounds everything below through the connection's
	// deadline.
	stop := context.AfterFunc(ctx, func() { nc.SetDeadline(time.Unix(1, 0)) })
	c, resp, err := d.handshake(nc, u, secure, lim, h)
	if !stop() || err != nil {
		nc.Close()
		if ctx.Err() != nil {
			err = ctx.Err()
		}
		return nil, resp, err
	}
	return c, resp, nil
}

func (d *Dialer) handshake(nc net.Conn, u *url.URL, secure bool, lim *limits, h Handler) (*Conn, *http.Response, error) {
	if secure {
		cfg := d.TLSConfig.Clone()
		if cfg == nil {
			cfg = &tls.Config{}
		}
		if cfg.ServerName == "" {
			cfg.ServerName = u.Hostname()
		}
		tc := tls.Client(nc, cfg)
		if err := tc.Handshake(); err != nil {
			return nil, nil, err
		}
		nc = tc
	}
	var raw [16]byte
	rand.Read(raw[:])
	key := base64.StdEncoding.EncodeToString(raw[:])
	var b strings.Builder
	path := u.RequestURI()
	fmt.Fprintf(&b, "GET %s HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"+
		"Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n", path, u.Host, key)
	if lim.compress {
		b.WriteString("Sec-WebSocket-Extensions: " + clientOffer + "\r\n")
	}
	if len(d.Subprotocols) > 0 {
		fmt.Fprintf(&b, "Sec-WebSocket-Protocol: %s\r\n", strings.Join(d.Subprotocols, ", "))
	}
	for k, vs := range d.Header {
		if !validHeaderName(k) {
			continue
		}
		for _, v := range vs {
			if strings.ContainsAny(v, "\r\n") {
				return nil, nil, fmt.Errorf("ws: header %s has a line break", k)
			}
			fmt.Fprintf(&b, "%s: %s\r\n", k, v)
		}
	}
	b.WriteString("\r\n")
	if _, err := nc.Write([]byte(b.String())); err != nil {
		return nil, nil, err
	}
	br := bufio.NewReaderSize(nc, 4<<10)
	req := &http.Request{Method: http.MethodGet, URL: u}
	resp, err := http.ReadResponse(br, req)
	if err != nil {
		return nil, nil, err
	}
	proto := resp.Header.Get("Sec-WebSocket-Protocol")
	switch {
	case resp.StatusCode != http.StatusSwitchingProtocols:
		return refused(resp, "status "+resp.Status)
	case !hasToken(resp.Header["Upgrade"], "websocket"), !hasToken(resp.Header["Connection"], "upgrade"):
		return refused(resp, "no Upgrade: websocket and Connection: upgrade")
	case resp.Header.Get("Sec-WebSocket-Accept") != acceptKey(key):
		return refused(resp, "wrong Sec-WebSocket-Accept")
	case proto != "" && !hasToken([]string{strings.Join(d.Subprotocols, ",")}, proto):
		return refused(resp, "a subprotocol that was not offered")
	}
	var dfl *deflate
	if exts := parseExtensions(resp.Header["Sec-Websocket-Extensions"]); len(exts) > 0 {
		var ok bool
		if dfl, ok = clientAccept(exts, lim.threshold); !ok || !lim.compress {
			return refused(resp, "an extension that was not offered")
		}
	}
	var pre []byte
	if n := br.Buffered(); n > 0 {
		p, _ := br.Peek(n)
		pre = append(pre, p...)
	}
	nc.SetDeadline(time.Time{})
	c := &Conn{lim: lim, h: h, client: true}
	if proto != "" {
		c.extra().proto = proto
	}
	c.setup()
	if dfl != nil {
		c.extra().dfl = dfl
	}
	go newNetTransport(nc, c, nil).run(pre)
	return c, resp, nil
}

// refused reads a little of a refusal's body for the caller and returns
// the handshake error.
func refused(resp *http.Response, why string) (*Conn, *http.Response, error) {
	if resp.Body != nil {
		io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<10))
		resp.Body.Close()
	}
	return nil, resp, &HandshakeError{Status: resp.StatusCode, Reason: "server answered " + why}
}

func validHeaderName(k string) bool {
	if k == "" {
		return false
	}
	for i := 0; i < len(k); i++ {
		if c := k[i]; c <= ' ' || c >= 0x7f || strings.IndexByte(`"(),/:;<=>?@[\]{}`, c) >= 0 {
			return false
		}
	}
	return true
}
