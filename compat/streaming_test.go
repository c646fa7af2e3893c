package compat_test

import (
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
	"testing"
	"time"
)

// streamChunks is how many pieces the streaming tests send, each only after
// the client has received the one before.
const streamChunks = 12

// streamChunk is the i-th piece of a streamed body; their sizes vary so
// that no piece is a multiple of another's.
func streamChunk(i int) string {
	return fmt.Sprintf("chunk %02d %s\n", i, strings.Repeat("x", 100*i*i))
}

// backend serves a chunked body of streamChunks pieces, flushing each and
// writing the next only when next says the client has it, with a declared
// trailer (the pieces' SHA-256) and an undeclared one (http.TrailerPrefix).
func backend(t *testing.T, next <-chan struct{}) string {
	t.Helper()
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Trailer", "X-Sum")
		w.Header().Set("Content-Type", "text/plain")
		w.Header().Set("X-Backend", "yes")
		sum := sha256.New()
		for i := range streamChunks {
			if i > 0 {
				select {
				case <-next:
				case <-r.Context().Done():
					return
				}
			}
			io.WriteString(io.MultiWriter(w, sum), streamChunk(i))
			w.(http.Flusher).Flush()
		}
		w.Header().Set("X-Sum", fmt.Sprintf("%x", sum.Sum(nil)))
		w.Header().Set(http.TrailerPrefix+"X-Late", "late")
	})
	s := start(t, netHTTP, h, options{})
	return s.url
}

// TestReverseProxyStreamsChunkedBackend puts httputil.ReverseProxy, served
// by each transport, in front of a backend that streams a chunked body: each
// flushed piece must reach the client before the backend writes the next
// (the backend waits for the client to say it has it), and the trailers
// must pass.
func TestReverseProxyStreamsChunkedBackend(t *testing.T) {
	var replies []reply
	for _, tr := range allTransports {
		next := make(chan struct{})
		target, _ := url.Parse(backend(t, next))
		proxy := httputil.NewSingleHostReverseProxy(target)
		proxy.ErrorLog = (&logBuffer{}).logger()
		s := start(t, tr, proxy, options{})
		r := readStream(t, s, "/stream", func(i int, got []byte) {
			if want := streamChunk(i); string(got) != want {
				t.Fatalf("%s: piece %d is %q, want %q", tr, i, clip(got), clip([]byte(want)))
			}
			if i < streamChunks-1 {
				next <- struct{}{}
			}
		}, func(i int) int { return len(streamChunk(i)) })
		r.header.Del("X-Forwarded-For")
		replies = append(replies, r)
		if r.trailer.Get("X-Sum") == "" || r.trailer.Get("X-Late") != "late" {
			t.Errorf("%s: trailers %v, want X-Sum and X-Late", tr, r.trailer)
		}
	}
	for i := 1; i < len(replies); i++ {
		if d := diff(replies[0], replies[i]); d != "" {
			t.Errorf("%s differs from %s:\n%s", allTransports[i], allTransports[0], d)
		}
	}
}

// readStream sends a GET for path to s and reads the body piece by piece:
// size(i) bytes for the i-th piece, then got(i, piece), for streamChunks
// pieces, then the end of the body. A piece that does not arrive within the
// bound fails the test: the server held it back.
func readStream(t *testing.T, s *server, path string, got func(int, []byte), size func(int) int) reply {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, s.url+path, nil)
	resp, err := s.client.Do(req)
	if err != nil {
		t.Fatalf("%s: %v", s.tr, err)
	}
	defer resp.Body.Close()
	var all []byte
	for i := range streamChunks {
		p := make([]byte, size(i))
		if _, err := io.ReadFull(resp.Body, p); err != nil {
			t.Fatalf("%s: piece %d did not arrive on its own: %v", s.tr, i, err)
		}
		got(i, p)
		all = append(all, p...)
	}
	rest, err := io.ReadAll(resp.Body)
	if err != nil || len(rest) != 0 {
		t.Fatalf("%s: after the last piece: %q, %v", s.tr, clip(rest), err)
	}
	return reply{
		status: resp.StatusCode, header: resp.Header, trailer: resp.Trailer, body: append(all, rest...),
		contentLength: resp.ContentLength, chunked: len(resp.TransferEncoding) > 0, close: resp.Close,
	}
}

// TestServerSentEvents streams events through http.Flusher: the handler
// writes an event, flushes, and writes the next only once the client has
// read the whole event (a handshake, so an event held in a buffer until the
// next is written deadlocks and fails the test instead of passing by
// timing).
func TestServerSentEvents(t *testing.T) {
	event := func(i int) string {
		return fmt.Sprintf("id: %d\nevent: tick\ndata: %s\n\n", i, strings.Repeat("e", i*37))
	}
	var replies []reply
	for _, tr := range allTransports {
		ack := make(chan struct{})
		h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/event-stream")
			w.Header().Set("Cache-Control", "no-cache")
			rc := http.NewResponseController(w)
			for i := range streamChunks {
				io.WriteString(w, event(i))
				if err := rc.Flush(); err != nil {
					t.Errorf("%s: Flush: %v", tr, err)
					return
				}
				select {
				case <-ack:
				case <-r.Context().Done():
					return
				}
			}
		})
		s := start(t, tr, h, options{})
		r := readStream(t, s, "/events", func(i int, got []byte) {
			if string(got) != event(i) {
				t.Fatalf("%s: event %d is %q, want %q", tr, i, clip(got), event(i))
			}
			ack <- struct{}{}
		}, func(i int) int { return len(event(i)) })
		replies = append(replies, r)
	}
	for i := 1; i < len(replies); i++ {
		if d := diff(replies[0], replies[i]); d != "" {
			t.Errorf("%s differs from %s:\n%s", allTransports[i], allTransports[0], d)
		}
	}
}
