package http1_test

import (
	"bytes"
	"crypto/sha256"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"testing"

	"github.com/shio-rt/shio/http1"
)

// limitedWriter takes up to n bytes, then fails with errFull; with short
// set it takes part of the write that passes n and reports no error.
type limitedWriter struct {
	n     int
	short bool
	got   bytes.Buffer
}

var errFull = errors.New("writer full")

func (w *limitedWriter) Write(p []byte) (int, error) {
	if w.got.Len()+len(p) <= w.n {
		return w.got.Write(p)
	}
	k := w.n - w.got.Len()
	w.got.Write(p[:k])
	if w.short {
		return k, nil
	}
	return k, errFull
}

// TestBodyWriteToAsIOCopy: io.Copy from a request body (which it does
// through the body's WriteTo) copies the body whole, plain or chunked, in
// clear or over TLS, to a writer that reads for itself (bytes.Buffer),
// io.Discard and others; reports the writer's error and a short write with
// the count written; and stops at MaxBytesReader's limit with its error.
func TestBodyWriteToAsIOCopy(t *testing.T) {
	rng := rand.New(rand.NewPCG(rand.Uint64(), 9))
	body := make([]byte, 300<<10+rng.IntN(100<<10))
	for i := range body {
		body[i] = byte(rng.Uint32())
	}
	want := fmt.Sprintf("%x", sha256.Sum256(body))
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/sum":
			d := sha256.New()
			n, err := io.Copy(d, r.Body)
			fmt.Fprintf(w, "%d %v %x", n, err, d.Sum(nil))
		case "/full", "/short":
			lw := &limitedWriter{n: 100000, short: r.URL.Path == "/short"}
			n, err := io.Copy(lw, r.Body)
			ok := bytes.Equal(lw.got.Bytes(), body[:lw.got.Len()])
			fmt.Fprintf(w, "%d %v %v", n, err, ok)
		case "/buffer": // a bytes.Buffer reads for itself
			var buf bytes.Buffer
			n, err := io.Copy(&buf, r.Body)
			fmt.Fprintf(w, "%d %v %x", n, err, sha256.Sum256(buf.Bytes()))
		case "/discard":
			n, err := io.Copy(io.Discard, r.Body)
			fmt.Fprintf(w, "%d %v", n, err)
		case "/limit":
			n, err := io.Copy(io.Discard, http.MaxBytesReader(w, r.Body, 200000))
			var mb *http.MaxBytesError
			fmt.Fprintf(w, "%d %v", n, errors.As(err, &mb))
		}
	})
	check := func(t *testing.T, c *http.Client, base string) {
		t.Helper()
		post := func(path string, chunked bool) string {
			t.Helper()
			var rd io.Reader = bytes.NewReader(body)
			if chunked {
				rd = io.MultiReader(rd) // no length: the client sends it chunked
			}
			res, err := c.Post(base+path, "application/octet-stream", rd)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(res.Body)
			res.Body.Close()
			return string(b)
		}
		for _, chunked := range []bool{false, true} {
			if got, w := post("/sum", chunked), fmt.Sprintf("%d <nil> %s", len(body), want); got != w {
				t.Errorf("chunked %v: /sum answered %q, want %q", chunked, got, w)
			}
			if got, w := post("/buffer", chunked), fmt.Sprintf("%d <nil> %s", len(body), want); got != w {
				t.Errorf("chunked %v: /buffer answered %q, want %q", chunked, got, w)
			}
			if got, w := post("/discard", chunked), fmt.Sprintf("%d <nil>", len(body)); got != w {
				t.Errorf("chunked %v: /discard answered %q, want %q", chunked, got, w)
			}
			if got := post("/full", chunked); got != "100000 writer full true" {
				t.Errorf("chunked %v: /full answered %q", chunked, got)
			}
			if got := post("/short", chunked); got != "100000 short write true" {
				t.Errorf("chunked %v: /short answered %q", chunked, got)
			}
			if got := post("/limit", chunked); got != "200000 true" {
				t.Errorf("chunked %v: /limit answered %q", chunked, got)
			}
		}
	}
	t.Run("clear", func(t *testing.T) {
		forEachPath(t, func(t *testing.T) {
			addr := serve(t, &http1.Server{Handler: h})
			c := &http.Client{Transport: &http.Transport{}}
			defer c.CloseIdleConnections()
			check(t, c, "http://"+addr)
		})
	})
	t.Run("tls", func(t *testing.T) {
		addr, _, roots := serveTLS(t, &http1.Server{Handler: h})
		c := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots, ServerName: "127.0.0.1"}}}
		defer c.CloseIdleConnections()
		check(t, c, "https://"+addr)
	})
}
