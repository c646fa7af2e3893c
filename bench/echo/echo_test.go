package echo_test

import (
	"bytes"
	"io"
	"net"
	"testing"

	"github.com/shio-rt/shio/bench/echo"
)

func freeAddr(b *testing.B) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// BenchmarkEchoRoundTrip measures one 64-byte request/response on one
// connection, client and server in this process, for every server side
// by side.
func BenchmarkEchoRoundTrip(b *testing.B) {
	for _, impl := range echo.Impls {
		b.Run(impl, func(b *testing.B) {
			addr := freeAddr(b)
			stop, err := echo.Start(impl, addr, false)
			if err != nil {
				b.Fatal(err)
			}
			defer stop()
			c, err := net.Dial("tcp", addr)
			if err != nil {
				b.Fatal(err)
			}
			defer c.Close()
			msg := bytes.Repeat([]byte{'e'}, 64)
			got := make([]byte, 64)
			b.ReportAllocs()
			b.SetBytes(64)
			for b.Loop() {
				if _, err := c.Write(msg); err != nil {
					b.Fatal(err)
				}
				if _, err := io.ReadFull(c, got); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
