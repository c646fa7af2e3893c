// Command echo is the concurrent TCP echo server, shio's version of the
// classic pattern: instead of a goroutine and a buffer per connection, a
// few event loops call a handler when bytes arrive, so thousands of idle
// clients cost almost nothing.
//
//	go run ./examples/echo            # then: nc 127.0.0.1 7000
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"time"

	"github.com/shio-rt/shio/reactor"
)

// echo writes back every byte it reads.
type echo struct{}

func (echo) OnOpen(c *reactor.Conn)             { fmt.Println("open", c.RemoteAddr()) }
func (echo) OnClose(c *reactor.Conn, err error) { fmt.Println("close", c.RemoteAddr(), err) }
func (echo) OnData(c *reactor.Conn, data []byte) int {
	c.Write(data) // never blocks; flushed when OnData returns
	return len(data)
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	r, err := reactor.New(reactor.Config{IdleTimeout: 5 * time.Minute}, echo{})
	if err != nil {
		panic(err)
	}
	ln, err := r.Listen("tcp", "127.0.0.1:7000")
	if err != nil {
		panic(err)
	}
	fmt.Println("echo server on", ln.Addr())
	<-ctx.Done() // Ctrl-C: finish what was read, then close
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	fmt.Println("shutdown:", r.Shutdown(shutdown))
}
