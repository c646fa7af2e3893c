package tcp

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"os"

	"github.com/shio-rt/shio/reactor"
	"github.com/shio-rt/shio/tlslayer"
)

// This file is TLS over the package's connections: a layer (package
// tlslayer) on the reactor connection under a Conn, so that a TLS Conn
// lives on the loops like any other, and an idle one holds no goroutine.

// ErrTLSEvents is returned by [Listener.ServeEvents] on a TLS listener:
// serve its plain listener with the protocol's own TLS instead (as
// http1.Server.ServeTLS does), which puts the layer under the protocol.
var ErrTLSEvents = errors.New("tcp: ServeEvents on a TLS listener")

// ListenTLS announces on the local address as Listen does; every
// connection it accepts speaks TLS as a server with config, which must
// hold a certificate (Certificates, GetCertificate or
// GetConfigForClient). Accept returns a connection at once, as
// tls.NewListener's does; its handshake runs when the ClientHello arrives,
// on a goroutine that exists only until the handshake ends (bounded by
// [tlslayer.DefaultHandshakeTimeout] from the peer's first byte, at most
// [tlslayer.DefaultMaxHandshakes] at once), and the first Read or Write
// waits for it. [Network.ListenHandshaker] sets those bounds.
func (n *Network) ListenTLS(network, address string, config *tls.Config) (*Listener, error) {
	if config == nil {
		return nil, errors.New("tcp: ListenTLS with a nil config")
	}
	return n.listen(network, address, &tlslayer.Handshaker{TLS: config})
}

// ListenHandshaker is [Network.ListenTLS] with the handshakes started by
// hs, whose fields set their bounds as http1.Server's ReadHeaderTimeout
// and MaxTLSHandshakes do for HTTPS: hs.Timeout bounds each handshake
// from the peer's first byte, hs.MaxHandshakes the handshakes running at
// once (past it a connection waits for a slot holding no goroutine), and
// hs.NotTLS answers a peer that does not speak TLS. hs.TLS must not be
// nil. The Network waits for hs's handshakes when it closes (Wait); hs
// must not be used elsewhere after, nor modified once in use.
func (n *Network) ListenHandshaker(network, address string, hs *tlslayer.Handshaker) (*Listener, error) {
	if hs == nil || hs.TLS == nil {
		return nil, errors.New("tcp: ListenHandshaker with a nil Handshaker or config")
	}
	return n.listen(network, address, hs)
}

// ListenTLS is [Network.ListenTLS] on a private Network, closed as
// [Listen]'s is.
func ListenTLS(network, address string, config *tls.Config) (*Listener, error) {
	n, err := privateNetwork()
	if err != nil {
		return nil, err
	}
	ln, err := n.ListenTLS(network, address, config)
	if err != nil {
		n.Close()
		return nil, err
	}
	return ln, nil
}

// ListenHandshaker is [Network.ListenHandshaker] on a private Network,
// closed as [Listen]'s is.
func ListenHandshaker(network, address string, hs *tlslayer.Handshaker) (*Listener, error) {
	n, err := privateNetwork()
	if err != nil {
		return nil, err
	}
	ln, err := n.ListenHandshaker(network, address, hs)
	if err != nil {
		n.Close()
		return nil, err
	}
	return ln, nil
}

// DialTLS connects to address and completes a TLS handshake as a client
// with config (nil means the zero config); when config has no ServerName
// the host of address is used, as tls.Dial does.
//
// # Cancellation
//
// If ctx ends before the handshake completes, DialTLS returns ctx.Err()
// and closes the connection.
func (n *Network) DialTLS(ctx context.Context, network, address string, config *tls.Config) (*Conn, error) {
	if config == nil {
		config = &tls.Config{}
	}
	if config.ServerName == "" && !config.InsecureSkipVerify {
		host, _, err := net.SplitHostPort(address)
		if err != nil {
			return nil, err
		}
		config = config.Clone()
		config.ServerName = host
	}
	c, err := n.Dial(ctx, network, address)
	if err != nil {
		return nil, err
	}
	hs := &tlslayer.Handshaker{TLS: config}
	n.mu.Lock()
	n.hss = append(n.hss, hs)
	n.mu.Unlock()
	started := make(chan struct{})
	if err := c.rc.Handoff(&tlsStart{c: c, hs: hs, started: started}); err != nil {
		c.Close()
		return nil, err
	}
	select {
	case <-started:
	case <-c.doneChan():
		return nil, net.ErrClosed
	}
	if c.tl == nil {
		c.Close()
		return nil, net.ErrClosed
	}
	if err := c.tl.Handshake(ctx); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

// DialTLS is [Network.DialTLS] on a private Network, closed when the
// Conn is closed.
//
// # Cancellation
//
// As [Network.DialTLS]'s.
func DialTLS(ctx context.Context, network, address string, config *tls.Config) (*Conn, error) {
	n, err := privateNetwork()
	if err != nil {
		return nil, err
	}
	c, err := n.DialTLS(ctx, network, address, config)
	if err != nil {
		n.release()
		return nil, err
	}
	return c, nil
}

// tlsStart installs a client layer on a dialled connection from its loop
// (SetLayer must run in a callback), then gives the connection back to
// its Conn.
type tlsStart struct {
	c       *Conn
	hs      *tlslayer.Handshaker
	started chan struct{}
}

func (s *tlsStart) OnOpen(rc *reactor.Conn) {
	s.c.tl = s.hs.Client(rc)
	rc.Handoff((*events)(s.c))
	close(s.started)
}

// The hand-off back is made in OnOpen; these are not called.

func (s *tlsStart) OnData(rc *reactor.Conn, data []byte) int { return 0 }
func (s *tlsStart) OnClose(rc *reactor.Conn, err error)      { (*events)(s.c).OnClose(rc, err) }

// ConnectionState returns the TLS state of a connection from
// [Network.ListenTLS] or [Network.DialTLS] once its handshake has
// completed, and the zero state otherwise.
func (c *Conn) ConnectionState() tls.ConnectionState {
	if c.tl == nil {
		return tls.ConnectionState{}
	}
	return c.tl.ConnectionState()
}

// Handshake waits for the TLS handshake of a connection from
// [Network.ListenTLS] to end and returns its error; it returns nil at once
// for a connection without TLS. Read and Write call it.
//
// # Cancellation
//
// If ctx ends first, Handshake returns ctx.Err() and leaves the handshake
// running (bounded by its timeout).
func (c *Conn) Handshake(ctx context.Context) error {
	if c.tl == nil {
		return nil
	}
	return c.tl.Handshake(ctx)
}

// waitHandshake is what Read and Write do first on a TLS connection: wait
// for the handshake within the deadline d's channel, or until Close.
func (c *Conn) waitHandshake(expired <-chan struct{}) error {
	if c.tl == nil {
		return nil
	}
	select {
	case <-c.tl.HandshakeDone():
	case <-c.doneChan():
		return net.ErrClosed
	case <-expired:
		return os.ErrDeadlineExceeded
	}
	return c.tl.Handshake(context.Background())
}
