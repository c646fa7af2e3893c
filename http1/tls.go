package http1

import (
	"crypto/tls"
	"net"
	"time"

	"github.com/shio-rt/shio/tlslayer"
)

// This file is HTTPS on the reactor: ServeTLS's branch to the loops and
// what a connection's TLS layer adds to rconn.

// serveTLS serves l with cfg: on the reactor with a TLS layer per
// connection when l's connections can live on the loops, with
// tls.NewListener and a goroutine per connection otherwise.
func (s *Server) serveTLS(l net.Listener, cfg *tls.Config) error {
	switch l.(type) {
	case *net.TCPListener, eventListener:
		hs := &tlslayer.Handshaker{TLS: cfg, Timeout: timeout(s.ReadHeaderTimeout, DefaultReadHeaderTimeout),
			MaxHandshakes: s.MaxTLSHandshakes, NotTLS: plainHTTPReply}
		if hs.Timeout == 0 {
			hs.Timeout = -1 // ReadHeaderTimeout off: no handshake bound either
		}
		return s.serve(l, hs)
	}
	return s.Serve(tls.NewListener(l, cfg))
}

// plainHTTPReply is what a plain HTTP request to the HTTPS port gets, as
// from net/http: a 400 that says why, then a close, instead of a TLS
// alert the client would not understand.
func plainHTTPReply(head []byte) []byte {
	switch string(head) {
	case "GET /", "HEAD ", "POST ", "PUT /", "OPTIO":
		return plainHTTPResponse
	}
	return nil
}

var plainHTTPResponse = []byte("HTTP/1.0 400 Bad Request\r\n\r\nClient sent an HTTP request to an HTTPS server.\n")

// startTLS installs the connection's TLS layer (in OnOpen). The read
// deadline bounds the wait for the ClientHello as ReadHeaderTimeout; the
// handshake has its own timer (Handshaker.Timeout), and the first request
// re-arms the deadline as usual.
func (rc *rconn) startTLS(hs *tlslayer.Handshaker) {
	rc.tl = hs.Server(rc.c)
	if hs.Timeout > 0 {
		rc.c.SetReadDeadline(time.Now().Add(hs.Timeout))
	} else {
		rc.armIdle()
	}
}

// tlsState returns the connection state for Request.TLS, or nil without
// TLS. It is called when a request head begins, after the handshake.
func (rc *rconn) tlsState() *tls.ConnectionState {
	if rc.tl == nil {
		return nil
	}
	st := rc.tl.ConnectionState()
	return &st
}
