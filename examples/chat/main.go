// A TCP chat room over a broadcast channel: every line a client sends goes to
// every other client. The room never waits for anyone: a client too slow to
// keep up misses the oldest messages and is told how many, instead of
// stalling the others. Ctrl-C closes the room and every connection, and the
// program exits once every task has returned.
//
//	go run ./examples/chat -addr 127.0.0.1:7000
//	nc 127.0.0.1 7000    # in two or more other terminals
//
// The sockets come from the standard library's net package.
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

	"github.com/shio-rt/shio/broadcast"
	"github.com/shio-rt/shio/task"
)

// message is one line said in the room.
type message struct {
	from int // the sender's client number, so that it is not echoed back
	text string
}

// errLeft ends a client's scope when the client hangs up.
var errLeft = errors.New("client left")

func main() {
	addr := flag.String("addr", "127.0.0.1:7000", "address to listen on")
	history := flag.Int("history", 64, "messages kept for a slow client before it misses some")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "chat:", err)
		os.Exit(1)
	}
	fmt.Fprintln(os.Stderr, "chat: listening on", ln.Addr())
	if err := serve(ctx, ln, *history); err != nil {
		fmt.Fprintln(os.Stderr, "chat:", err)
		os.Exit(1)
	}
}

// serve runs the room on ln until ctx is done, then closes ln and every
// connection and returns once every task has returned.
func serve(ctx context.Context, ln net.Listener, history int) error {
	room, first := broadcast.New[message](history)
	first.Close() // each client subscribes its own receiver
	defer room.Close()
	// The scope owns every goroutine: its body accepts, its children are the
	// listener's closer and one task per client.
	return task.Scoped(ctx, func(ctx context.Context, s *task.Scope) error {
		s.Go(func(ctx context.Context) error {
			<-ctx.Done()
			return ln.Close() // unblocks Accept
		})
		for id := 1; ; id++ {
			conn, err := ln.Accept()
			if err != nil {
				if ctx.Err() != nil {
					return nil // shutting down
				}
				return err
			}
			s.Go(func(ctx context.Context) error {
				serveClient(ctx, conn, id, room)
				return nil // a client leaving is no reason to close the room
			})
		}
	})
}

// serveClient relays the client's lines to the room and the room's messages
// to the client until either side ends: the first task to return an error
// cancels the others, and the closer then unblocks the reader.
func serveClient(ctx context.Context, conn net.Conn, id int, room *broadcast.Sender[message]) {
	_ = task.Scoped(ctx, func(ctx context.Context, s *task.Scope) error {
		s.Go(func(ctx context.Context) error {
			<-ctx.Done()
			return conn.Close()
		})
		s.Go(func(ctx context.Context) error { return toClient(ctx, conn, id, room) })
		lines := bufio.NewScanner(conn)
		for lines.Scan() {
			_, _ = room.Send(message{from: id, text: lines.Text()})
		}
		if err := lines.Err(); err != nil {
			return err
		}
		return errLeft
	})
}

// toClient subscribes to the room and writes its messages to the client.
// Writing may block on a slow client; only this task waits, never the room.
func toClient(ctx context.Context, conn net.Conn, id int, room *broadcast.Sender[message]) error {
	rx := room.Subscribe()
	defer rx.Close()
	w := bufio.NewWriter(conn)
	fmt.Fprintf(w, "* welcome, you are c%d\n", id)
	for {
		if rx.Len() == 0 { // nothing else is ready: send what is buffered
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
		case m.from != id:
			fmt.Fprintf(w, "c%d: %s\n", m.from, m.text)
		}
	}
}
