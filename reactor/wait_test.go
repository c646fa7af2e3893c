package reactor_test

import (
	"bytes"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/shio-rt/shio/reactor"
)

// Both ways of waiting serve connections, wake for work posted from other
// goroutines (spawnEcho's ResumeRead) and fire deadlines.
func TestBothWaitModesServeAndTimeOut(t *testing.T) {
	for _, blocking := range []bool{false, true} {
		name := "park"
		if blocking {
			name = "blocking"
		}
		t.Run(name, func(t *testing.T) {
			done := make(chan error, 1)
			h := &spawnEcho{echo{done: done}}
			cfg := reactor.Config{Loops: 1, BlockingWait: blocking, IdleTimeout: 50 * time.Millisecond, TimerTick: time.Millisecond}
			_, addr := start(t, cfg, h)
			c := dial(t, addr)
			for i := range 20 {
				msg := []byte{'a' + byte(i)}
				if _, err := c.Write(msg); err != nil {
					t.Fatal(err)
				}
				got := make([]byte, 1)
				if _, err := io.ReadFull(c, got); err != nil || !bytes.Equal(got, msg) {
					t.Fatalf("round trip %d: %q, %v", i, got, err)
				}
			}
			begin := time.Now()
			if err := waitClose(t, done); !errors.Is(err, reactor.ErrIdleTimeout) {
				t.Fatalf("OnClose error %v, want ErrIdleTimeout", err)
			}
			if el := time.Since(begin); el < 40*time.Millisecond {
				t.Fatalf("idle connection closed after %v", el)
			}
		})
	}
}
