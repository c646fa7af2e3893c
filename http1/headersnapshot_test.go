package http1_test

import (
	"bufio"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/shio-rt/shio/http1"
)

// rawHead reads a response head's lines (status line first) from br.
func rawHead(t *testing.T, br *bufio.Reader) []string {
	t.Helper()
	var lines []string
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			t.Fatalf("reading head: %v (so far %q)", err, lines)
		}
		line = strings.TrimRight(line, "\r\n")
		if line == "" {
			return lines
		}
		lines = append(lines, line)
	}
}

func fieldNames(lines []string) []string {
	var names []string
	for _, l := range lines[1:] {
		k, _, _ := strings.Cut(l, ":")
		names = append(names, k)
	}
	return names
}

// TestResponseWriterSemanticsMatchNetHTTP checks, on every path, the
// ResponseWriter contracts net/http documents: the header is fixed by
// WriteHeader, trailers go only in the trailer, a 1xx (101 too) carries the
// Handler's fields, and fields are written in sorted order.
func TestResponseWriterSemanticsMatchNetHTTP(t *testing.T) {
	forEachPath(t, func(t *testing.T) {
		mux := http.NewServeMux()
		mux.HandleFunc("/snapshot", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("X-Before", "1")
			w.WriteHeader(http.StatusOK)
			w.Header().Set("X-After", "1") // not sent
			io.WriteString(w, "body")
		})
		mux.HandleFunc("/snapshot-write", func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, "body")      // WriteHeader(200) implied
			w.Header().Set("X-After", "1") // not sent
		})
		mux.HandleFunc("/trailers", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Trailer", "X-Sum")
			w.WriteHeader(http.StatusOK)
			w.(http.Flusher).Flush()
			io.WriteString(w, "body")
			w.Header().Set("X-Sum", "42")
			w.Header().Set(http.TrailerPrefix+"X-Late", "7")
		})
		mux.HandleFunc("/trailer-set-early", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Trailer", "X-Sum")
			w.Header().Set("X-Sum", "early")
			io.WriteString(w, "body")
			w.Header().Set("X-Sum", "final")
		})
		mux.HandleFunc("/order", func(w http.ResponseWriter, r *http.Request) {
			for _, k := range []string{"X-Zeta", "X-Alpha", "X-Mu", "Cache-Control", "X-Beta", "Vary", "Etag"} {
				w.Header().Set(k, "v")
			}
			io.WriteString(w, "body")
		})
		mux.HandleFunc("/early-hints", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Link", "</style.css>; rel=preload")
			w.WriteHeader(http.StatusEarlyHints)
			io.WriteString(w, "body")
		})
		mux.HandleFunc("/upgrade", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Connection", "Upgrade")
			w.Header().Set("Upgrade", "shout")
			w.WriteHeader(http.StatusSwitchingProtocols)
			nc, rw, err := w.(http.Hijacker).Hijack()
			if err != nil {
				return
			}
			defer nc.Close()
			rw.WriteString("HI\n")
			rw.Flush()
		})
		c := dial(t, serve(t, &http1.Server{Handler: mux}))

		for _, path := range []string{"/snapshot", "/snapshot-write"} {
			c.send("GET " + path + " HTTP/1.1\r\nHost: x\r\n\r\n")
			res, body := c.response("GET")
			if res.Header.Get("X-After") != "" || body != "body" {
				t.Errorf("%s: a field set after WriteHeader was sent: %v", path, res.Header)
			}
			if path == "/snapshot" && res.Header.Get("X-Before") != "1" {
				t.Errorf("%s: X-Before missing: %v", path, res.Header)
			}
		}

		c.send("GET /trailers HTTP/1.1\r\nHost: x\r\n\r\n")
		res, body := c.response("GET")
		if body != "body" || res.Header.Get("X-Sum") != "" || res.Header.Get("X-Late") != "" {
			t.Errorf("/trailers: header %v", res.Header)
		}
		if res.Trailer.Get("X-Sum") != "42" || res.Trailer.Get("X-Late") != "7" {
			t.Errorf("/trailers: trailer %v", res.Trailer)
		}

		c.send("GET /trailer-set-early HTTP/1.1\r\nHost: x\r\n\r\n")
		res, _ = c.response("GET")
		if res.Header.Get("X-Sum") != "" || res.Trailer.Get("X-Sum") != "final" {
			t.Errorf("/trailer-set-early: a declared trailer in the header section (%v) or trailer %v", res.Header, res.Trailer)
		}

		for range 3 { // the same order every time
			c.send("GET /order HTTP/1.1\r\nHost: x\r\n\r\n")
			lines := rawHead(t, c.br)
			var handlers []string
			for _, k := range fieldNames(lines) {
				if k != "Date" && k != "Content-Length" && k != "Content-Type" {
					handlers = append(handlers, k)
				}
			}
			if !slices.IsSorted(handlers) || len(handlers) != 7 {
				t.Fatalf("/order: fields %q, want the Handler's 7 in sorted order", handlers)
			}
			io.ReadFull(c.br, make([]byte, 4))
		}

		c.send("GET /early-hints HTTP/1.1\r\nHost: x\r\n\r\n")
		lines := rawHead(t, c.br)
		if lines[0] != "HTTP/1.1 103 Early Hints" || !slices.Contains(lines, "Link: </style.css>; rel=preload") {
			t.Errorf("/early-hints interim: %q", lines)
		}
		if res, body := c.response("GET"); res.StatusCode != 200 || body != "body" {
			t.Errorf("/early-hints final: %d %q", res.StatusCode, body)
		}

		c.send("GET /upgrade HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: shout\r\n\r\n")
		lines = rawHead(t, c.br)
		if lines[0] != "HTTP/1.1 101 Switching Protocols" ||
			!slices.Contains(lines, "Connection: Upgrade") || !slices.Contains(lines, "Upgrade: shout") {
			t.Fatalf("/upgrade: %q, want the Handler's Connection and Upgrade fields", lines)
		}
		for _, l := range lines {
			if strings.HasPrefix(l, "Content-Length") || strings.HasPrefix(l, "Transfer-Encoding") {
				t.Errorf("/upgrade: %q in a 101", l)
			}
		}
		if got, err := c.br.ReadString('\n'); got != "HI\n" {
			t.Fatalf("after the 101: %q, %v", got, err)
		}
	})
}

// TestUnreadBodyResponseSaysConnectionClose: a response after which the
// server closes the connection, because it will not read the rest of a
// large request body, says Connection: close, as net/http's does.
func TestUnreadBodyResponseSaysConnectionClose(t *testing.T) {
	forEachPath(t, func(t *testing.T) {
		h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ignored your body") })
		c := dial(t, serve(t, &http1.Server{Handler: h}))
		const size = 1 << 20
		go func() {
			fmt.Fprintf(c.conn, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n", size)
			c.conn.Write(make([]byte, size)) // may fail once the server closes
		}()
		res, body := c.response("POST")
		if body != "ignored your body" || !res.Close {
			t.Fatalf("%q, Close=%v (header %v): the server closes after this response, it must say so", body, res.Close, res.Header)
		}
		// A small unread body is read by the server: the connection stays.
		c2 := dial(t, serve(t, &http1.Server{Handler: h}))
		c2.send("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello")
		if res, _ := c2.response("POST"); res.Close {
			t.Fatal("a 5-byte unread body closed the connection")
		}
		c2.send("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n")
		if res, _ := c2.response("POST"); res.Close {
			t.Fatal("a small unread chunked body closed the connection")
		}
	})
}
