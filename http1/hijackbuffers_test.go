package http1_test

import (
	"bufio"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/shio-rt/shio/http1"
)

// TestHijackReleasesBuffers: once a Handler has hijacked its connection,
// the server holds none of its buffers for it, though the Handler goes on
// running (a WebSocket library blocks in Read in it for the connection's
// life): a hijacked idle connection costs what it costs under net/http.
func TestHijackReleasesBuffers(t *testing.T) {
	forEachPath(t, func(t *testing.T) {
		held := make(chan [2]int, 1)
		s := &http1.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("X-Before", "hijack")
			before := http1.HeldBufferBytes(w)
			nc, brw, err := w.(http.Hijacker).Hijack()
			if err != nil {
				t.Error(err)
				held <- [2]int{}
				return
			}
			defer nc.Close()
			held <- [2]int{before, http1.HeldBufferBytes(w)}
			brw.WriteString("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
			brw.Flush()
		})}
		c := dial(t, serve(t, s))
		c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
		h := <-held
		if h[0] == 0 {
			t.Fatal("the connection held no buffers before the hijack: the test measures nothing")
		}
		if h[1] != 0 {
			t.Fatalf("after Hijack the server still holds %d bytes of buffers (%d before)", h[1], h[0])
		}
		resp, err := http.ReadResponse(bufio.NewReader(c.conn), nil)
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("%v %v", resp, err)
		}
	})
}

// TestHijackReleasesWakeChannel: on the reactor, the channel the loop
// wakes a request goroutine with goes back to its pool at Hijack, not when
// the Handler returns (a WebSocket library's Handler runs for the
// connection's life); a body Read after the Hijack then fails at once
// (the bytes received went to the hijacker's net.Conn) rather than wait
// for a wake that no longer comes.
func TestHijackReleasesWakeChannel(t *testing.T) {
	forEachPath(t, func(t *testing.T) {
		if onFallback(t) {
			t.Skip("no wake channel on the fallback path; its body reads the listener's net.Conn")
		}
		type result struct {
			before, after bool
			err           error
		}
		got := make(chan result, 1)
		s := &http1.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			var res result
			res.before = http1.HoldsWake(w)
			nc, _, err := w.(http.Hijacker).Hijack()
			if err != nil {
				t.Error(err)
				got <- res
				return
			}
			defer nc.Close()
			res.after = http1.HoldsWake(w)
			_, res.err = r.Body.Read(make([]byte, 8))
			got <- res
		})}
		c := dial(t, serve(t, s))
		c.send("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc")
		select {
		case res := <-got:
			if !res.before {
				t.Fatal("no wake channel before the Hijack: the test measures nothing")
			}
			if res.after {
				t.Fatal("the connection still holds its wake channel after the Hijack")
			}
			if !errors.Is(res.err, http.ErrHijacked) {
				t.Fatalf("body Read after Hijack: %v, want http.ErrHijacked", res.err)
			}
		case <-time.After(20 * time.Second):
			t.Fatal("a body Read after Hijack blocked")
		}
	})
}
