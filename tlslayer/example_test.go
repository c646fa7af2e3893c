package tlslayer_test

import (
	"crypto/tls"
	"fmt"
	"io"
	"strings"

	"github.com/shio-rt/shio/reactor"
	"github.com/shio-rt/shio/tlslayer"
)

// upper serves TLS and answers each read with it in upper case.
type upper struct{ hs *tlslayer.Handshaker }

func (u upper) OnOpen(c *reactor.Conn) { c.Attach(u.hs.Server(c)) }

func (u upper) OnData(c *reactor.Conn, data []byte) int {
	c.Write([]byte(strings.ToUpper(string(data))))
	return len(data)
}

func (u upper) OnClose(c *reactor.Conn, err error) {
	c.Attachment().(*tlslayer.Conn).Close() // ends a handshake in progress
}

func ExampleHandshaker() {
	cert, pool, err := makeCert("localhost") // a CA and a certificate signed by it
	if err != nil {
		panic(err)
	}
	hs := &tlslayer.Handshaker{TLS: &tls.Config{Certificates: []tls.Certificate{cert}}}
	r, err := reactor.New(reactor.Config{Loops: 1}, upper{hs})
	if err != nil {
		panic(err)
	}
	defer hs.Wait() // second: the handshakes end with their connections
	defer r.Close() // first
	ln, _ := r.Listen("tcp", "127.0.0.1:0")

	c, err := tls.Dial("tcp", ln.Addr().String(), &tls.Config{RootCAs: pool, ServerName: "localhost"})
	if err != nil {
		panic(err)
	}
	defer c.Close()
	io.WriteString(c, "hello over tls")
	b := make([]byte, 14)
	io.ReadFull(c, b)
	fmt.Println(string(b), tls.VersionName(c.ConnectionState().Version))
	// Output: HELLO OVER TLS TLS 1.3
}
