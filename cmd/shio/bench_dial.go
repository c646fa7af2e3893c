package main

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"net/url"
	"os"
	"time"

	"github.com/shio-rt/shio/cmd/shio/internal/loadgen"
	"github.com/shio-rt/shio/reactor"
	"github.com/shio-rt/shio/tcp"
)

// defaultDialer is the --dialer used when none is given.
const defaultDialer = "shio"

// benchDialer returns the dial function named by --dialer and a function
// that releases what it holds, to call once the run is over. "shio" dials
// on one tcp.Network (a reactor with GOMAXPROCS loops) shared by every
// connection of the run; "net" is the standard library.
//
// For an https:// target the connections speak TLS (HTTP/1.1 by ALPN,
// trusting the system's roots, or anything with insecure): "shio" with
// tcp.Network.DialTLS, so that TLS too runs on the loops.
func benchDialer(name string, u *url.URL, insecure bool) (dial loadgen.Dialer, closeFn func(), err error) {
	var cfg *tls.Config
	if u.Scheme == "https" || u.Scheme == "wss" {
		cfg = &tls.Config{ServerName: u.Hostname(), InsecureSkipVerify: insecure, NextProtos: []string{"http/1.1"}}
	}
	switch name {
	case "net":
		if cfg != nil {
			d := &tls.Dialer{Config: cfg}
			return func(ctx context.Context, addr string) (net.Conn, error) { return d.DialContext(ctx, "tcp", addr) }, func() {}, nil
		}
		return loadgen.NetDial, func() {}, nil
	case "shio":
		n, err := tcp.New(reactor.Config{})
		if err != nil {
			return nil, nil, err
		}
		dial := func(ctx context.Context, addr string) (net.Conn, error) {
			var c *tcp.Conn
			var err error
			if cfg != nil {
				c, err = n.DialTLS(ctx, "tcp", addr, cfg)
			} else {
				c, err = n.Dial(ctx, "tcp", addr)
			}
			if err != nil {
				return nil, err // not a typed nil in the interface
			}
			return c, nil
		}
		return dial, func() { closeNetwork(n) }, nil
	}
	return nil, nil, fmt.Errorf("unknown --dialer %q (want shio or net)", name)
}

// closeTimeout bounds the wait for the reactor to close.
const closeTimeout = 5 * time.Second

// closeNetwork closes n, waiting at most closeTimeout: the summary is
// already printed, and a reactor that does not stop (seen once in ~30
// runs while the reactor was young) must not hang the command. The
// process exits right after, taking the closing goroutine with it.
func closeNetwork(n *tcp.Network) {
	done := make(chan struct{})
	go func() {
		n.Close()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(closeTimeout):
		fmt.Fprintf(os.Stderr, "shio bench: the reactor did not close within %v; exiting anyway\n", closeTimeout)
	}
}
