package main

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"go.uber.org/goleak"

	"github.com/shio-rt/shio/natsbridge/embedded"
	"github.com/shio-rt/shio/task"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// TestLineReachesClientsOfEveryProcess runs three chat nodes, each on its
// own NATS connection as three processes would be, and checks that a line
// typed at a client of node 1 reaches clients of nodes 2 and 3.
func TestLineReachesClientsOfEveryProcess(t *testing.T) {
	srv, err := embedded.Start(embedded.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	nodeCtx, stopNodes := context.WithCancel(ctx)

	err = task.Scoped(ctx, func(_ context.Context, s *task.Scope) error {
		var addrs []string
		for i := 1; i <= 3; i++ {
			nc, err := nats.Connect(srv.URL())
			if err != nil {
				return err
			}
			defer nc.Close()
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				return err
			}
			addrs = append(addrs, ln.Addr().String())
			s.Go(func(context.Context) error { return serve(nodeCtx, ln, nc, fmt.Sprintf("n%d", i), 64) })
		}
		defer stopNodes()
		var clients []*client
		for _, a := range addrs {
			c, err := dial(a)
			if err != nil {
				return err
			}
			defer c.conn.Close()
			if line := c.line(t); !strings.HasPrefix(line, "* welcome") {
				return fmt.Errorf("greeting %q", line)
			}
			clients = append(clients, c)
		}
		fmt.Fprintln(clients[0].conn, "hello from node 1")
		for _, c := range clients[1:] {
			if got := c.line(t); got != "n1/c1: hello from node 1" {
				return fmt.Errorf("client got %q", got)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

type client struct {
	conn net.Conn
	r    *bufio.Reader
}

func dial(addr string) (*client, error) {
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		return nil, err
	}
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	return &client{conn: conn, r: bufio.NewReader(conn)}, nil
}

func (c *client) line(t *testing.T) string {
	s, err := c.r.ReadString('\n')
	if err != nil {
		t.Errorf("read: %v", err)
	}
	return strings.TrimSuffix(s, "\n")
}
