package loadgen_test

import (
	"bufio"
	"context"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
)

// scriptServer listens on loopback and runs handle on every connection,
// closing the connection when handle returns. It stops on test cleanup and
// waits for its goroutines.
func scriptServer(t *testing.T, handle func(c net.Conn, br *bufio.Reader)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	conns := map[net.Conn]bool{}
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns[c] = true
			mu.Unlock()
			wg.Go(func() {
				defer c.Close()
				handle(c, bufio.NewReader(c))
			})
		}
	})
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	return ln.Addr().String()
}

// readRequest reads one request head (and no body) from br.
func readRequest(br *bufio.Reader) error {
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			return err
		}
		if strings.TrimRight(line, "\r\n") == "" {
			return nil
		}
	}
}

// pipeDialer returns a Dialer whose connections are in-memory pipes served
// by serve, each in its own goroutine (which must return once the client
// end is closed), and a function that waits for those goroutines. It works
// inside a synctest bubble.
func pipeDialer(serve func(c net.Conn, br *bufio.Reader)) (dial func(ctx context.Context, addr string) (net.Conn, error), wait func()) {
	var wg sync.WaitGroup
	return func(ctx context.Context, addr string) (net.Conn, error) {
		client, server := net.Pipe()
		wg.Go(func() {
			defer server.Close()
			serve(server, bufio.NewReader(server))
			io.Copy(io.Discard, server) // until the client closes
		})
		return client, nil
	}, wg.Wait
}
