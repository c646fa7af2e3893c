package loadgen_test

import (
	"bufio"
	"context"
	"io"
	"net"
	"testing"

	"github.com/shio-rt/shio/cmd/shio/internal/loadgen"
)

// echoServer echoes every byte; corruptAt, when non-negative, is the offset
// in each connection's stream of a byte it flips.
func echoServer(corruptAt int64) func(c net.Conn, br *bufio.Reader) {
	return func(c net.Conn, br *bufio.Reader) {
		buf := make([]byte, 4096)
		var off int64
		for {
			n, err := br.Read(buf)
			if n > 0 {
				if corruptAt >= off && corruptAt < off+int64(n) {
					buf[corruptAt-off] ^= 0x01
				}
				off += int64(n)
				if _, err := c.Write(buf[:n]); err != nil {
					return
				}
			}
			if err != nil {
				return
			}
		}
	}
}

func TestEchoVerifiesEveryMessage(t *testing.T) {
	addr := scriptServer(t, echoServer(-1))
	for _, c := range []struct{ size, pipeline int }{{1, 1}, {64, 1}, {1000, 8}, {70000, 2}} {
		g, err := loadgen.NewEcho(loadgen.EchoConfig{Addr: addr, Size: c.size, Pipeline: c.pipeline, Conns: 2, Messages: 300})
		if err != nil {
			t.Fatal(err)
		}
		res, err := g.Run(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if res.Requests != 300 || res.ErrorCount() != 0 || res.Latency.Count() != 300 {
			t.Errorf("%+v: messages %d, errors %v, samples %d", c, res.Requests, res.Errors, res.Latency.Count())
		}
		if want := int64(300 * c.size); res.BytesRead != want || res.BytesWritten != want {
			t.Errorf("%+v: read %d, wrote %d, want %d each", c, res.BytesRead, res.BytesWritten, want)
		}
	}
}

// TestEchoCatchesACorruptedByte flips one bit of byte 1000 of every
// connection's stream: with 100-byte messages, message 10 of each
// connection must fail and the nine before it pass.
func TestEchoCatchesACorruptedByte(t *testing.T) {
	addr := scriptServer(t, echoServer(1000))
	g, _ := loadgen.NewEcho(loadgen.EchoConfig{Addr: addr, Size: 100, Messages: 25})
	res, err := g.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	// Connection 1: 10 good, 1 bad; connection 2: the same; connection 3:
	// the last 3 good.
	if res.Requests != 23 || res.Errors[loadgen.KindMismatch] != 2 || res.ErrorCount() != 2 {
		t.Errorf("messages %d, errors %v; want 23 good, 2 mismatches", res.Requests, res.Errors)
	}
}

func TestEchoServerClosingMidMessageIsTruncation(t *testing.T) {
	addr := scriptServer(t, func(c net.Conn, br *bufio.Reader) {
		buf := make([]byte, 10)
		if _, err := io.ReadFull(br, buf); err == nil {
			c.Write(buf[:5])
		}
	})
	g, _ := loadgen.NewEcho(loadgen.EchoConfig{Addr: addr, Size: 10, Messages: 2})
	res, err := g.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if res.Errors[loadgen.KindTruncated] != 2 || res.ErrorCount() != 2 {
		t.Errorf("errors %v, want 2 truncations", res.Errors)
	}
}
