package http1_test

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/shio-rt/shio/http1"
)

func TestLargeBodiesBothWays(t *testing.T) {
	forEachPath(t, func(t *testing.T) {
		h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			b, err := io.ReadAll(r.Body)
			if err != nil {
				http.Error(w, err.Error(), 400)
				return
			}
			sum := sha256.Sum256(b)
			w.Header().Set("X-Sum", fmt.Sprintf("%x", sum))
			for range 5 {
				w.Write(bytes.Repeat([]byte{'z'}, 1<<20)) // 5 MiB back
			}
		})
		c := dial(t, serve(t, &http1.Server{Handler: h}))
		body := bytes.Repeat([]byte("0123456789abcdef"), 1<<16) // 1 MiB
		want := fmt.Sprintf("%x", sha256.Sum256(body))
		go func() {
			fmt.Fprintf(c.conn, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n", len(body))
			c.conn.Write(body)
			fmt.Fprintf(c.conn, "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n")
			for rest := body; len(rest) > 0; rest = rest[min(len(rest), 7777):] {
				k := min(len(rest), 7777)
				fmt.Fprintf(c.conn, "%x\r\n%s\r\n", k, rest[:k])
			}
			io.WriteString(c.conn, "0\r\n\r\n")
		}()
		for range 2 {
			res, got := c.response("POST")
			if res.Header.Get("X-Sum") != want || len(got) != 5<<20 || strings.Trim(got, "z") != "" {
				t.Fatalf("sum %s (want %s), %d bytes back", res.Header.Get("X-Sum"), want, len(got))
			}
		}
	})
}

// TestIdleConnectionsHoldNoGoroutine opens many keep-alive connections,
// answers one request on each, and checks that the goroutine count does not
// grow with them on the reactor path.
func TestIdleConnectionsHoldNoGoroutine(t *testing.T) {
	if portable {
		t.Skip("the portable reactor serves each connection with a goroutine (reactor package doc, \"Portability\"): idle connections hold one by design")
	}
	t.Run("reactor", func(t *testing.T) {
		addr := serve(t, &http1.Server{Handler: http.HandlerFunc(hello)})
		before := runtime.NumGoroutine()
		const n = 200
		for range n {
			c := dial(t, addr)
			c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
			if _, body := c.response("GET"); body != "Hello, World!" {
				t.Fatal(body)
			}
		}
		// Request goroutines end just after their response is written:
		// poll until they have.
		deadline := time.Now().Add(5 * time.Second)
		for runtime.NumGoroutine() > before+10 {
			if time.Now().After(deadline) {
				t.Fatalf("%d goroutines for %d idle connections (%d before)", runtime.NumGoroutine(), n, before)
			}
			time.Sleep(time.Millisecond) // polling a condition, not synchronising
		}
	})
}

func TestSlowReaderDoesNotGrowTheQueueWithoutBound(t *testing.T) {
	t.Run("reactor", func(t *testing.T) {
		wrote := make(chan error, 1)
		h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			chunk := bytes.Repeat([]byte{'q'}, 64<<10)
			var err error
			for i := 0; i < 1024 && err == nil; i++ { // up to 64 MiB
				_, err = w.Write(chunk)
			}
			wrote <- err
		})
		c := dial(t, serve(t, &http1.Server{Handler: h, WriteTimeout: 200 * time.Millisecond}))
		c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
		// Never read: the handler's writes must block and then fail once the
		// write deadline passes, instead of queueing 64 MiB.
		if err := <-wrote; err == nil {
			t.Fatal("64 MiB written to a client that reads nothing")
		}
	})
}
