package tcp_test

import (
	"bufio"
	"context"
	"fmt"
	"io"

	"github.com/shio-rt/shio/reactor"
	"github.com/shio-rt/shio/tcp"
)

func ExampleNetwork() {
	n, err := tcp.New(reactor.Config{Loops: 1})
	if err != nil {
		panic(err)
	}
	defer n.Close()
	ln, err := n.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	go func() { // an ordinary blocking echo server, on the reactor
		c, err := ln.Accept()
		if err != nil {
			return
		}
		io.Copy(c, c)
		c.Close()
	}()
	c, err := n.Dial(context.Background(), "tcp", ln.Addr().String())
	if err != nil {
		panic(err)
	}
	fmt.Fprintln(c, "hello over net.Conn")
	line, _ := bufio.NewReader(c).ReadString('\n')
	fmt.Print(line)
	c.Close()
	// Output: hello over net.Conn
}
