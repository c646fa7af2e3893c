package tcp_test

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/shio-rt/shio/reactor"
	"github.com/shio-rt/shio/tcp"
	"golang.org/x/net/nettest"
)

func TestConnPassesNettestOnOneNetwork(t *testing.T) {
	nettest.TestConn(t, func() (c1, c2 net.Conn, stop func(), err error) {
		n, err := tcp.New(reactor.Config{Loops: 2})
		if err != nil {
			return nil, nil, nil, err
		}
		ln, err := n.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			n.Close()
			return nil, nil, nil, err
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		d, err := n.Dial(ctx, "tcp", ln.Addr().String())
		if err != nil {
			n.Close()
			return nil, nil, nil, err
		}
		a, err := ln.Accept()
		if err != nil {
			n.Close()
			return nil, nil, nil, err
		}
		return d, a, func() { d.Close(); a.Close(); ln.Close(); n.Close() }, nil
	})
}

func TestConnPassesNettestWithPrivateNetworks(t *testing.T) {
	nettest.TestConn(t, func() (c1, c2 net.Conn, stop func(), err error) {
		ln, err := tcp.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, nil, nil, err
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		d, err := tcp.Dial(ctx, "tcp", ln.Addr().String())
		if err != nil {
			ln.Close()
			return nil, nil, nil, err
		}
		a, err := ln.Accept()
		if err != nil {
			d.Close()
			ln.Close()
			return nil, nil, nil, err
		}
		return d, a, func() { d.Close(); a.Close(); ln.Close() }, nil
	})
}

var (
	_ net.Conn     = (*tcp.Conn)(nil)
	_ net.Listener = (*tcp.Listener)(nil)
)
