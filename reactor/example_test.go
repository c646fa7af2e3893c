package reactor_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net"
	"strings"

	"github.com/shio-rt/shio/reactor"
)

// upper answers each line with the line in upper case. It consumes only
// whole lines; a partial line is kept by the reactor and presented again.
type upper struct{}

func (upper) OnOpen(c *reactor.Conn) {}

func (upper) OnData(c *reactor.Conn, data []byte) int {
	used := 0
	for {
		i := strings.IndexByte(string(data[used:]), '\n')
		if i < 0 {
			return used
		}
		c.Write([]byte(strings.ToUpper(string(data[used : used+i+1]))))
		used += i + 1
	}
}

func (upper) OnClose(c *reactor.Conn, err error) {}

func ExampleReactor() {
	r, err := reactor.New(reactor.Config{}, upper{})
	if err != nil {
		panic(err)
	}
	ln, err := r.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		panic(err)
	}
	fmt.Fprint(c, "hello, ")
	fmt.Fprint(c, "reactor\nbye\n")
	in := bufio.NewScanner(c)
	for range 2 {
		in.Scan()
		fmt.Println(in.Text())
	}
	c.Close()
	fmt.Println(r.Shutdown(context.Background()))
	// Output:
	// HELLO, REACTOR
	// BYE
	// <nil>
}

// counter is a handler whose OnClose reports the byte count of a
// connection.
type counter struct{ done chan int }

func (counter) OnOpen(c *reactor.Conn) { c.Attach(new(int)) }
func (counter) OnData(c *reactor.Conn, data []byte) int {
	*c.Attachment().(*int) += len(data)
	return len(data)
}
func (h counter) OnClose(c *reactor.Conn, err error) { h.done <- *c.Attachment().(*int) }

func ExampleConn_Attach() {
	h := counter{done: make(chan int, 1)}
	r, _ := reactor.New(reactor.Config{Loops: 1}, h)
	defer r.Close()
	ln, _ := r.Listen("tcp", "127.0.0.1:0")
	c, _ := net.Dial("tcp", ln.Addr().String())
	fmt.Fprint(c, "twelve bytes")
	c.Close()
	fmt.Println(<-h.done)
	// Output: 12
}

// greeter answers "UPGRADE" with "OK" and hands the connection to shout,
// another protocol; the bytes the client sent behind its request go to
// shout with the rest.
type greeter struct{ next reactor.Handler }

func (greeter) OnOpen(*reactor.Conn) {}
func (g greeter) OnData(c *reactor.Conn, data []byte) int {
	const req = "UPGRADE\n"
	if len(data) < len(req) {
		return 0
	}
	c.Write([]byte("OK\n"))
	c.Handoff(g.next) // takes effect when OnData returns
	return len(req)
}
func (greeter) OnClose(*reactor.Conn, error) {}

// shout echoes in upper case.
type shout struct{}

func (shout) OnOpen(*reactor.Conn) {}
func (shout) OnData(c *reactor.Conn, data []byte) int {
	c.Write(bytes.ToUpper(data))
	return len(data)
}
func (shout) OnClose(*reactor.Conn, error) {}

func ExampleConn_Handoff() {
	r, _ := reactor.New(reactor.Config{Loops: 1}, greeter{next: shout{}})
	defer r.Close()
	ln, _ := r.Listen("tcp", "127.0.0.1:0")
	c, _ := net.Dial("tcp", ln.Addr().String())
	defer c.Close()
	fmt.Fprint(c, "UPGRADE\nhello\n") // one segment: the request and the next protocol's bytes
	sc := bufio.NewScanner(c)
	for range 2 {
		sc.Scan()
		fmt.Println(sc.Text())
	}
	// Output:
	// OK
	// HELLO
}
