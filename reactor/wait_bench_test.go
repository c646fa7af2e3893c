package reactor_test

import (
	"io"
	"testing"

	"github.com/shio-rt/shio/reactor"
)

// spawnEcho answers each read from a goroutine it starts, as http1 runs a
// Handler: it pauses reading, copies the bytes, and the goroutine writes
// them back and resumes reading.
type spawnEcho struct{ echo }

func (s *spawnEcho) OnData(c *reactor.Conn, data []byte) int {
	c.PauseRead()
	msg := append([]byte(nil), data...)
	go func() {
		c.Write(msg)
		c.ResumeRead()
	}()
	return len(data)
}

// BenchmarkRoundTrip measures one 64-byte request and its answer on one
// connection: written from OnData (direct) or from a goroutine OnData
// starts (spawned), with the idle loop parked in the Go runtime's poller
// (park, the default) or blocked in epoll_wait (blocking). Run it with
// -cpu 1 to see the cost of a blocked loop thread holding the only P.
func BenchmarkRoundTrip(b *testing.B) {
	for _, h := range []struct {
		name string
		h    func() reactor.Handler
	}{
		{"direct", func() reactor.Handler { return &echo{} }},
		{"spawned", func() reactor.Handler { return &spawnEcho{} }},
	} {
		for _, w := range []struct {
			name     string
			blocking bool
		}{{"park", false}, {"blocking", true}} {
			b.Run(h.name+"/"+w.name, func(b *testing.B) {
				_, addr := start(b, reactor.Config{Loops: 1, BlockingWait: w.blocking}, h.h())
				c := dial(b, addr)
				msg := make([]byte, 64)
				got := make([]byte, 64)
				b.ReportAllocs()
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
}
