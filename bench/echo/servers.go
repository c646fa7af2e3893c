// Package echo compares TCP echo servers: shio's reactor, gnet/v2, nbio
// and a goroutine per connection. The in-process benchmarks (go test
// -bench .) run them side by side; run.sh runs them as pinned processes
// against the echoload generator and prints the table kept in README.md.
package echo

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"

	"github.com/lesismal/nbio"
	"github.com/panjf2000/gnet/v2"
	"github.com/panjf2000/gnet/v2/pkg/logging"
	"github.com/shio-rt/shio/reactor"
)

// Impls lists the servers Start knows.
var Impls = []string{"shio", "gnet", "nbio", "goroutine"}

// Start runs the named echo server on addr and returns a function that
// stops it and waits for it. ReusePort applies to shio only; shio-blocking
// is shio with reactor.Config.BlockingWait (its loop waits in epoll_wait on
// its own thread instead of parking in the Go runtime's poller).
func Start(impl, addr string, reusePort bool) (stop func() error, err error) {
	switch impl {
	case "shio":
		return startShio(addr, reactor.Config{ReusePort: reusePort, IdleTimeout: -1})
	case "shio-blocking":
		return startShio(addr, reactor.Config{ReusePort: reusePort, BlockingWait: true, IdleTimeout: -1})
	case "gnet":
		return startGnet(addr)
	case "nbio":
		return startNbio(addr)
	case "goroutine":
		return startGoroutine(addr)
	}
	return nil, fmt.Errorf("echo: unknown server %q", impl)
}

// shioEcho is the reactor's event API: writes made in OnData are flushed
// with one system call when it returns.
type shioEcho struct{}

func (shioEcho) OnOpen(*reactor.Conn)         {}
func (shioEcho) OnClose(*reactor.Conn, error) {}
func (shioEcho) OnData(c *reactor.Conn, data []byte) int {
	c.Write(data)
	return len(data)
}

func startShio(addr string, cfg reactor.Config) (func() error, error) {
	r, err := reactor.New(cfg, shioEcho{})
	if err != nil {
		return nil, err
	}
	if _, err := r.Listen("tcp", addr); err != nil {
		r.Close()
		return nil, err
	}
	return r.Close, nil
}

// gnetEcho echoes whatever gnet has buffered.
type gnetEcho struct {
	gnet.BuiltinEventEngine
	booted chan struct{}
}

func (g *gnetEcho) OnBoot(gnet.Engine) gnet.Action { close(g.booted); return gnet.None }
func (*gnetEcho) OnTraffic(c gnet.Conn) gnet.Action {
	buf, _ := c.Next(-1)
	c.Write(buf)
	return gnet.None
}

func startGnet(addr string) (func() error, error) {
	h := &gnetEcho{booted: make(chan struct{})}
	errc := make(chan error, 1)
	go func() {
		errc <- gnet.Run(h, "tcp://"+addr, gnet.WithMulticore(true), gnet.WithLogLevel(logging.ErrorLevel))
	}()
	select {
	case err := <-errc:
		return nil, err
	case <-h.booted:
	}
	return func() error {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		gnet.Stop(ctx, "tcp://"+addr)
		return <-errc
	}, nil
}

func startNbio(addr string) (func() error, error) {
	g := nbio.NewEngine(nbio.Config{Network: "tcp", Addrs: []string{addr}})
	g.OnData(func(c *nbio.Conn, data []byte) { c.Write(data) })
	if err := g.Start(); err != nil {
		return nil, err
	}
	return func() error { g.Stop(); return nil }, nil
}

// startGoroutine is the classic server: a goroutine per connection with a
// 1 KiB buffer.
func startGoroutine(addr string) (func() error, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	conns := map[net.Conn]struct{}{}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns[c] = struct{}{}
			mu.Unlock()
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer func() { mu.Lock(); delete(conns, c); mu.Unlock(); c.Close() }()
				buf := make([]byte, 1024)
				for {
					n, err := c.Read(buf)
					if n > 0 {
						if _, werr := c.Write(buf[:n]); werr != nil {
							return
						}
					}
					if err != nil {
						return
					}
				}
			}()
		}
	}()
	return func() error {
		err := ln.Close()
		mu.Lock()
		for c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
		if errors.Is(err, net.ErrClosed) {
			err = nil
		}
		return err
	}, nil
}
