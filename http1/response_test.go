package http1_test

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/shio-rt/shio/http1"
)

func TestBodilessResponses(t *testing.T) {
	forEachPath(t, func(t *testing.T) {
		h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			switch r.URL.Path {
			case "/204":
				w.WriteHeader(http.StatusNoContent)
			case "/304":
				w.WriteHeader(http.StatusNotModified)
			}
			if _, err := io.WriteString(w, "body"); r.URL.Path != "/" && err != http.ErrBodyNotAllowed {
				panic("write to a bodiless status did not fail")
			}
		})
		c := dial(t, serve(t, &http1.Server{Handler: h}))
		// The raw bytes must show no body: send a sentinel request after each.
		for _, tc := range []struct{ method, path, cl string }{
			{"HEAD", "/", "4"},
			{"GET", "/204", ""},
			{"GET", "/304", ""},
		} {
			c.send(tc.method + " " + tc.path + " HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n")
			res, body := c.response(tc.method)
			if body != "" || res.Header.Get("Content-Length") != tc.cl || res.Header.Get("Transfer-Encoding") != "" {
				t.Errorf("%s %s: body %q, Content-Length %q", tc.method, tc.path, body, res.Header.Get("Content-Length"))
			}
			if _, body := c.response("GET"); body != "body" {
				t.Fatalf("%s %s: the next response reads %q: bytes leaked into the stream", tc.method, tc.path, body)
			}
		}
	})
}

func TestStreamedResponseIsChunkedAndFlushed(t *testing.T) {
	forEachPath(t, func(t *testing.T) {
		step := make(chan struct{})
		h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Trailer", "X-Count")
			io.WriteString(w, "first,")
			w.(http.Flusher).Flush()
			<-step
			io.WriteString(w, strings.Repeat("x", 10000))
			w.Header().Set("X-Count", "2")
			w.Header().Set(http.TrailerPrefix+"X-Late", "yes")
		})
		c := dial(t, serve(t, &http1.Server{Handler: h}))
		c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
		res, err := http.ReadResponse(c.br, nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(res.TransferEncoding) != 1 || res.TransferEncoding[0] != "chunked" {
			t.Fatalf("Transfer-Encoding %v, want chunked", res.TransferEncoding)
		}
		first := make([]byte, 6)
		if _, err := io.ReadFull(res.Body, first); err != nil || string(first) != "first," {
			t.Fatalf("flushed part: %q %v", first, err) // it arrived before the handler went on
		}
		close(step)
		rest, err := io.ReadAll(res.Body)
		if err != nil || len(rest) != 10000 {
			t.Fatalf("rest: %d bytes, %v", len(rest), err)
		}
		if res.Trailer.Get("X-Count") != "2" || res.Trailer.Get("X-Late") != "yes" {
			t.Fatalf("trailers %v", res.Trailer)
		}
	})
}

func TestHTTP10KeepAliveRules(t *testing.T) {
	forEachPath(t, func(t *testing.T) {
		h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/stream" {
				io.WriteString(w, "a")
				w.(http.Flusher).Flush()
			}
			io.WriteString(w, "b")
		})
		addr := serve(t, &http1.Server{Handler: h})

		c := dial(t, addr)
		c.send("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
		res, body := c.response("GET")
		if body != "b" || res.Close || res.Header.Get("Connection") != "keep-alive" {
			t.Fatalf("keep-alive 1.0: %q close=%v %v", body, res.Close, res.Header)
		}
		c.send("GET /stream HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
		res, body = c.response("GET")
		if body != "ab" || !res.Close || !c.closed() {
			t.Fatalf("a 1.0 body of unknown length must end with the connection: %q close=%v", body, res.Close)
		}

		c = dial(t, addr)
		c.send("GET / HTTP/1.0\r\n\r\n")
		if res, _ := c.response("GET"); !res.Close || !c.closed() {
			t.Fatal("HTTP/1.0 without keep-alive left the connection open")
		}
	})
}

func TestConnectionCloseEndsTheStream(t *testing.T) {
	forEachPath(t, func(t *testing.T) {
		addr := serve(t, &http1.Server{Handler: http.HandlerFunc(hello)})
		c := dial(t, addr)
		c.send("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n")
		if res, _ := c.response("GET"); !res.Close || !c.closed() {
			t.Fatal("request with Connection: close: connection left open")
		}
		byHandler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Connection", "close")
		})
		c = dial(t, serve(t, &http1.Server{Handler: byHandler}))
		c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
		if res, _ := c.response("GET"); !res.Close || !c.closed() {
			t.Fatal("handler's Connection: close: connection left open")
		}
	})
}

func TestExpectContinue(t *testing.T) {
	forEachPath(t, func(t *testing.T) {
		h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/reject" {
				w.WriteHeader(http.StatusUnauthorized)
				return
			}
			b, _ := io.ReadAll(r.Body)
			w.Write(b)
		})
		addr := serve(t, &http1.Server{Handler: h})
		c := dial(t, addr)
		c.send("PUT / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n")
		if res, _ := c.response("PUT"); res.StatusCode != 100 {
			t.Fatalf("got %d before sending the body, want 100", res.StatusCode)
		}
		c.send("hello")
		if res, body := c.response("PUT"); res.StatusCode != 200 || body != "hello" {
			t.Fatalf("got %d %q", res.StatusCode, body)
		}

		c = dial(t, addr)
		c.send("PUT /reject HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n")
		res, _ := c.response("PUT")
		if res.StatusCode != 401 || !res.Close || !c.closed() {
			t.Fatalf("refusing without reading: %d close=%v; the unsent body leaves the stream unframed", res.StatusCode, res.Close)
		}
	})
}

func TestInformationalResponses(t *testing.T) {
	forEachPath(t, func(t *testing.T) {
		h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Link", "</a.css>; rel=preload")
			w.WriteHeader(http.StatusEarlyHints)
			w.Header().Del("Link")
			io.WriteString(w, "done")
		})
		c := dial(t, serve(t, &http1.Server{Handler: h}))
		c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
		if res, _ := c.response("GET"); res.StatusCode != 103 || res.Header.Get("Link") == "" {
			t.Fatalf("got %d %v", res.StatusCode, res.Header)
		}
		if res, body := c.response("GET"); res.StatusCode != 200 || body != "done" {
			t.Fatalf("got %d %q", res.StatusCode, body)
		}
	})
}

func TestHandlerCannotSplitTheResponse(t *testing.T) {
	forEachPath(t, func(t *testing.T) {
		h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("X-Evil", "a\r\nSet-Cookie: stolen=1")
			w.Header()["Bad Name"] = []string{"x"}
		})
		c := dial(t, serve(t, &http1.Server{Handler: h}))
		c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
		res, _ := c.response("GET")
		if res.Header.Get("Set-Cookie") != "" || res.Header.Get("Bad Name") != "" {
			t.Fatalf("handler injected fields: %v", res.Header)
		}
	})
}

func TestExplicitContentLengthIsKept(t *testing.T) {
	forEachPath(t, func(t *testing.T) {
		h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Length", "10000")
			w.Write([]byte(strings.Repeat("y", 10000)))
			if _, err := w.Write([]byte("z")); err != http.ErrContentLength {
				panic("write past Content-Length did not fail")
			}
		})
		c := dial(t, serve(t, &http1.Server{Handler: h}))
		c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
		res, body := c.response("GET")
		if res.ContentLength != 10000 || len(body) != 10000 || res.TransferEncoding != nil {
			t.Fatalf("cl=%d len=%d te=%v", res.ContentLength, len(body), res.TransferEncoding)
		}
	})
}

// TestDateIsWithinTheExchange: the Date the server adds is never before
// the request was sent nor after its response arrived (to the second), on
// every path, for single and pipelined requests, including those queued
// behind a slow Handler and one after a Flush.
func TestDateIsWithinTheExchange(t *testing.T) {
	forEachPath(t, func(t *testing.T) {
		mux := http.NewServeMux()
		mux.HandleFunc("/", hello)
		mux.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) {
			time.Sleep(50 * time.Millisecond) // work before the head
			hello(w, r)
		})
		mux.HandleFunc("/flush", func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, "a")
			w.(http.Flusher).Flush()
		})
		c := dial(t, serve(t, &http1.Server{Handler: mux}))
		for _, batch := range [][]string{{"/"}, {"/slow", "/", "/"}, {"/flush", "/slow", "/"}} {
			raw := ""
			for _, p := range batch {
				raw += "GET " + p + " HTTP/1.1\r\nHost: x\r\n\r\n"
			}
			sent := time.Now().Truncate(time.Second)
			c.send(raw)
			for _, p := range batch {
				res, _ := c.response("GET")
				got, err := http.ParseTime(res.Header.Get("Date"))
				if err != nil {
					t.Fatalf("%s: Date %q: %v", p, res.Header.Get("Date"), err)
				}
				if now := time.Now(); got.Before(sent) || got.After(now) {
					t.Errorf("%s: Date %v outside [%v, %v]", p, got, sent, now)
				}
			}
		}
	})
}
