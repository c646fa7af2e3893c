package reactor_test

import (
	"bytes"
	"encoding/binary"
	"io"
	"net"
	"testing"
	"time"

	"github.com/shio-rt/shio/reactor"
	"pgregory.net/rapid"
)

// framer consumes only whole length-prefixed frames (2-byte big-endian
// length, then the body) and answers each with its body, so any frame it
// sees split across reads must be reassembled from kept input.
type framer struct{ echo }

func (f *framer) OnData(c *reactor.Conn, data []byte) int {
	used := 0
	for {
		rest := data[used:]
		if len(rest) < 2 {
			return used
		}
		n := int(binary.BigEndian.Uint16(rest))
		if len(rest) < 2+n {
			return used
		}
		c.Write(rest[2 : 2+n])
		used += 2 + n
	}
}

func TestKeptInputIsPresentedAgainBeforeNewData(t *testing.T) {
	_, addr := start(t, reactor.Config{ReadBufferSize: 512}, &framer{})
	rapid.Check(t, func(rt *rapid.T) {
		frames := rapid.SliceOfN(rapid.SliceOfN(rapid.Byte(), 0, 3000), 1, 20).Draw(rt, "frames")
		var stream, want []byte
		for _, f := range frames {
			stream = binary.BigEndian.AppendUint16(stream, uint16(len(f)))
			stream = append(stream, f...)
			want = append(want, f...)
		}
		cuts := rapid.SliceOfN(rapid.IntRange(1, 700), 0, 50).Draw(rt, "cuts")
		c, err := net.Dial("tcp", addr)
		if err != nil {
			rt.Fatal(err)
		}
		defer c.Close()
		c.(*net.TCPConn).SetNoDelay(true)
		go func() {
			rest := stream
			for _, n := range cuts {
				n = min(n, len(rest))
				c.Write(rest[:n])
				rest = rest[n:]
			}
			c.Write(rest)
		}()
		got := make([]byte, len(want))
		c.SetReadDeadline(time.Now().Add(10 * time.Second))
		if _, err := io.ReadFull(c, got); err != nil {
			rt.Fatalf("read after %d bytes: %v", len(got), err)
		}
		if !bytes.Equal(got, want) {
			rt.Fatalf("frames reassembled wrongly")
		}
	})
}
