// A TCP chat room served by several processes that share one NATS: a line
// typed by a client of any process reaches the clients of every process.
// Each process keeps shio's broadcast channel for its own clients, so a
// client too slow to keep up is still told exactly how many messages it
// missed; natsbridge.Broadcast mirrors that channel to a NATS subject.
//
// The first process runs NATS itself (embedded, in-process), the others
// join it:
//
//	go run ./examples/chat -addr 127.0.0.1:7001 -serve-nats 4222
//	go run ./examples/chat -addr 127.0.0.1:7002 -nats nats://127.0.0.1:4222
//	go run ./examples/chat -addr 127.0.0.1:7003 -nats nats://127.0.0.1:4222
//	nc 127.0.0.1 7001    # and 7002, 7003, in other terminals
//
// Run these from the natsbridge directory. Ctrl-C stops a process; the
// others go on (those that joined reconnect if the NATS process comes back).
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"os/signal"
	"syscall"

	"github.com/nats-io/nats.go"

	"github.com/shio-rt/shio/broadcast"
	"github.com/shio-rt/shio/natsbridge"
	"github.com/shio-rt/shio/natsbridge/embedded"
	"github.com/shio-rt/shio/task"
)

// Message is one line said in the room, as it travels between processes.
type Message struct {
	From string // "<process>/c<client>", so that it is not echoed back
	Text string
}

// errLeft ends a client's scope when the client hangs up.
var errLeft = errors.New("client left")

func main() {
	addr := flag.String("addr", "127.0.0.1:7001", "address for chat clients")
	url := flag.String("nats", "", "NATS URL to join (nats.Options are the place for credentials and TLS)")
	servePort := flag.Int("serve-nats", 0, "run an embedded NATS on this loopback port instead of joining one")
	name := flag.String("name", "", "this process's name in the room (default: the chat address)")
	history := flag.Int("history", 64, "messages kept for a slow client before it misses some")
	flag.Parse()
	if *name == "" {
		*name = *addr
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, *addr, *url, *servePort, *name, *history); err != nil {
		fmt.Fprintln(os.Stderr, "chat:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, addr, url string, servePort int, name string, history int) error {
	if url == "" {
		srv, err := embedded.Start(embedded.Config{Port: servePort})
		if err != nil {
			return err
		}
		defer srv.Close()
		url = srv.URL()
		fmt.Fprintln(os.Stderr, "chat: NATS at", url)
	}
	nc, err := nats.Connect(url, nats.Name("chat "+name), nats.MaxReconnects(-1))
	if err != nil {
		return err
	}
	defer nc.Close()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	fmt.Fprintln(os.Stderr, "chat: listening on", ln.Addr())
	return serve(ctx, ln, nc, name, history)
}

// serve runs this process's part of the room on ln until ctx is done, then
// closes ln and every connection and returns once every task has returned.
func serve(ctx context.Context, ln net.Listener, nc *nats.Conn, name string, history int) error {
	room, first, err := natsbridge.NewBroadcast(ctx, nc, natsbridge.BroadcastConfig[Message]{Subject: "chat.room", Capacity: history})
	if err != nil {
		ln.Close()
		return err
	}
	first.Close() // each client subscribes its own receiver
	defer room.Close()
	return task.Scoped(ctx, func(ctx context.Context, s *task.Scope) error {
		s.Go(func(ctx context.Context) error {
			<-ctx.Done()
			return ln.Close() // unblocks Accept
		})
		for id := 1; ; id++ {
			conn, err := ln.Accept()
			if err != nil {
				if ctx.Err() != nil {
					return nil
				}
				return err
			}
			s.Go(func(ctx context.Context) error {
				serveClient(ctx, conn, fmt.Sprintf("%s/c%d", name, id), room)
				return nil // a client leaving is no reason to close the room
			})
		}
	})
}

// serveClient relays the client's lines to the room, across processes, and
// the room's messages to the client, until either side ends.
func serveClient(ctx context.Context, conn net.Conn, who string, room *natsbridge.Broadcast[Message]) {
	rx := room.Subscribe() // before the welcome, so that nothing said after it is missed
	_ = task.Scoped(ctx, func(ctx context.Context, s *task.Scope) error {
		s.Go(func(ctx context.Context) error {
			<-ctx.Done()
			return conn.Close()
		})
		s.Go(func(ctx context.Context) error { return toClient(ctx, conn, who, rx) })
		lines := bufio.NewScanner(conn)
		for lines.Scan() {
			if err := room.Send(Message{From: who, Text: lines.Text()}); err != nil {
				return err
			}
		}
		if err := lines.Err(); err != nil {
			return err
		}
		return errLeft
	})
}

// toClient writes the room's messages to the client. Writing may block on a
// slow client; only this task waits, never the room.
func toClient(ctx context.Context, conn net.Conn, who string, rx *broadcast.Receiver[Message]) error {
	defer rx.Close()
	w := bufio.NewWriter(conn)
	fmt.Fprintf(w, "* welcome, you are %s\n", who)
	for {
		if rx.Len() == 0 {
			if err := w.Flush(); err != nil {
				return err
			}
		}
		m, err := rx.Recv(ctx)
		var lag *broadcast.LagError
		switch {
		case errors.As(err, &lag):
			fmt.Fprintf(w, "* you missed %d messages\n", lag.Missed)
		case err != nil:
			return err
		case m.From != who:
			fmt.Fprintf(w, "%s: %s\n", m.From, m.Text)
		}
	}
}
