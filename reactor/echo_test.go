package reactor_test

import (
	"bytes"
	"io"
	"testing"

	"github.com/shio-rt/shio/reactor"
)

func TestEchoRoundTrip(t *testing.T) {
	_, addr := start(t, reactor.Config{Loops: 2}, &echo{})
	c := dial(t, addr)
	msg := []byte("hello, reactor")
	for range 10 {
		if _, err := c.Write(msg); err != nil {
			t.Fatal(err)
		}
		got := make([]byte, len(msg))
		if _, err := io.ReadFull(c, got); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, msg) {
			t.Fatalf("got %q, want %q", got, msg)
		}
	}
}
