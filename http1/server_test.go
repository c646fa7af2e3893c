package http1_test

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/shio-rt/shio/http1"
)

func TestKeepAliveServesManyRequestsOnOneConnection(t *testing.T) {
	forEachPath(t, func(t *testing.T) {
		c := dial(t, serve(t, &http1.Server{Handler: http.HandlerFunc(hello)}))
		for range 3 {
			c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
			res, body := c.response("GET")
			if res.StatusCode != 200 || body != "Hello, World!" || res.ContentLength != 13 || res.Close {
				t.Fatalf("got %d %q cl=%d close=%v", res.StatusCode, body, res.ContentLength, res.Close)
			}
			if res.Header.Get("Date") == "" || res.Header.Get("Content-Type") != "text/plain; charset=utf-8" {
				t.Fatalf("missing Date or sniffed Content-Type: %v", res.Header)
			}
		}
	})
}

func TestPipelinedResponsesComeInRequestOrder(t *testing.T) {
	forEachPath(t, func(t *testing.T) {
		h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			b, _ := io.ReadAll(r.Body)
			fmt.Fprintf(w, "%s %s %s", r.Method, r.URL.Path, b)
		})
		c := dial(t, serve(t, &http1.Server{Handler: h}))
		var raw strings.Builder
		for i := range 20 {
			if i%2 == 0 {
				fmt.Fprintf(&raw, "GET /%d HTTP/1.1\r\nHost: x\r\n\r\n", i)
			} else {
				fmt.Fprintf(&raw, "POST /%d HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nb%02d\r\n0\r\n\r\n", i, i)
			}
		}
		c.send(raw.String())
		for i := range 20 {
			_, body := c.response("GET")
			want := fmt.Sprintf("GET /%d ", i)
			if i%2 == 1 {
				want = fmt.Sprintf("POST /%d b%02d", i, i)
			}
			if body != want {
				t.Fatalf("response %d: got %q, want %q", i, body, want)
			}
		}
	})
}

func TestRequestSentByteByByte(t *testing.T) {
	forEachPath(t, func(t *testing.T) {
		h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			b, _ := io.ReadAll(r.Body)
			fmt.Fprintf(w, "%s|%s|%s", r.URL, r.Header.Get("X-A"), b)
		})
		c := dial(t, serve(t, &http1.Server{Handler: h}))
		raw := "POST /p?q HTTP/1.1\r\nHost: x\r\nX-A: 1\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nbody\r\n0\r\n\r\n" +
			"POST /2 HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc"
		for i := range len(raw) {
			c.send(raw[i : i+1])
		}
		if _, body := c.response("POST"); body != "/p?q|1|body" {
			t.Fatalf("got %q", body)
		}
		if _, body := c.response("POST"); body != "/2||abc" {
			t.Fatalf("got %q", body)
		}
	})
}

// TestSmugglingAttemptsGet400AndClose sends requests that two servers could
// frame differently; each must be refused and the connection closed, so the
// bytes after it are never read as a request.
func TestSmugglingAttemptsGet400AndClose(t *testing.T) {
	forEachPath(t, func(t *testing.T) {
		addr := serve(t, &http1.Server{Handler: http.HandlerFunc(hello)})
		for _, raw := range []string{
			"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n",
			"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n",
			"POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
			"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nContent-Length: 5\r\n\r\nabcde",
			"POST / HTTP/1.1\r\nHost: x\r\nContent-Length : 4\r\n\r\nabcd",
			"GET / HTTP/1.1\r\nHost: x\r\nX: a\r\n b\r\n\r\n",
			"GET / HTTP/1.1\r\n\r\n",
		} {
			c := dial(t, addr)
			c.send(raw)
			res, _ := c.response("GET")
			if res.StatusCode != 400 {
				t.Errorf("%q: status %d, want 400", raw, res.StatusCode)
			}
			if !c.closed() {
				t.Errorf("%q: connection left open", raw)
			}
		}
	})
}

func TestLimitsAnswer414And431And413(t *testing.T) {
	forEachPath(t, func(t *testing.T) {
		addr := serve(t, &http1.Server{Handler: http.HandlerFunc(hello), MaxBodyBytes: 10})
		for _, tc := range []struct {
			raw    string
			status int
		}{
			{"GET /" + strings.Repeat("a", 9000) + " HTTP/1.1\r\nHost: x\r\n\r\n", 414},
			{"GET / HTTP/1.1\r\nHost: x\r\nX: " + strings.Repeat("a", 17000) + "\r\n\r\n", 431},
			{"GET / HTTP/1.1\r\nHost: x\r\n" + strings.Repeat("X: 1\r\n", 101) + "\r\n", 431},
			{"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\n", 413},
			{"GET / HTTP/2.0\r\nHost: x\r\n\r\n", 505},
			{"GET / HTTP/1.1\r\nHost: x\r\nExpect: tea\r\n\r\n", 417},
		} {
			c := dial(t, addr)
			c.send(tc.raw)
			if res, _ := c.response("GET"); res.StatusCode != tc.status {
				t.Errorf("%.40q: status %d, want %d", tc.raw, res.StatusCode, tc.status)
			}
			if !c.closed() {
				t.Errorf("%.40q: connection left open", tc.raw)
			}
		}
	})
}

func TestChunkedBodyOverLimitFailsTheRead(t *testing.T) {
	forEachPath(t, func(t *testing.T) {
		errs := make(chan error, 1)
		h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, err := io.ReadAll(r.Body)
			errs <- err
			w.WriteHeader(http.StatusRequestEntityTooLarge)
		})
		c := dial(t, serve(t, &http1.Server{Handler: h, MaxBodyBytes: 8}))
		c.send("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n5\r\nworld\r\n0\r\n\r\n")
		res, _ := c.response("POST")
		var mbe *http.MaxBytesError
		if err := <-errs; !asMaxBytes(err, &mbe) || mbe.Limit != 8 {
			t.Fatalf("read error %v, want *http.MaxBytesError{8}", err)
		}
		if res.StatusCode != 413 || !res.Close || !c.closed() {
			t.Fatalf("status %d close=%v: want 413 and a closed connection", res.StatusCode, res.Close)
		}
	})
}

func TestMalformedChunkedBodyFailsTheReadAndCloses(t *testing.T) {
	forEachPath(t, func(t *testing.T) {
		errs := make(chan error, 1)
		h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, err := io.ReadAll(r.Body)
			errs <- err
			io.WriteString(w, "read")
		})
		c := dial(t, serve(t, &http1.Server{Handler: h}))
		c.send("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n-1\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n")
		res, _ := c.response("POST")
		if err := <-errs; !errors.Is(err, http1.ErrBodyFraming) {
			t.Fatalf("read error %v, want ErrBodyFraming", err)
		}
		if !res.Close || !c.closed() {
			t.Fatal("connection left open after a malformed body")
		}
	})
}

func TestUnreadMalformedBodyClosesTheConnection(t *testing.T) {
	forEachPath(t, func(t *testing.T) {
		c := dial(t, serve(t, &http1.Server{Handler: http.HandlerFunc(hello)}))
		c.send("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n")
		// The Handler's 200 is still unsent when draining finds the framing
		// broken, so the client gets 400 instead (RFC 9112 section 7.1).
		if res, _ := c.response("POST"); res.StatusCode != 400 {
			t.Fatalf("status %d, want 400", res.StatusCode)
		}
		if !c.closed() {
			t.Fatal("the bytes after a malformed body were read as a request")
		}
	})
}

// TestHalfClosedClientStillGetsItsResponse: a client that sends its request
// and shuts its write side (as `nc -N` does) still reads the response.
func TestHalfClosedClientStillGetsItsResponse(t *testing.T) {
	forEachPath(t, func(t *testing.T) {
		c := dial(t, serve(t, &http1.Server{Handler: http.HandlerFunc(hello)}))
		c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\nGET /2 HTTP/1.1\r\nHost: x\r\n\r\n")
		c.conn.(interface{ CloseWrite() error }).CloseWrite()
		for range 2 {
			if _, body := c.response("GET"); body != "Hello, World!" {
				t.Fatalf("got %q", body)
			}
		}
		if !c.closed() {
			t.Fatal("connection open after the client's EOF")
		}
	})
}
