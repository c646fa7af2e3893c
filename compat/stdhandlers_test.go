package compat_test

import (
	"encoding/json"
	"errors"
	"expvar"
	"fmt"
	"io"
	"net/http"
	"net/http/pprof"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestTimeoutHandler compares http.TimeoutHandler's two outcomes: a handler
// that answers in time (its header and body pass) and one that does not
// (503 with the message; the late handler's writes fail with
// http.ErrHandlerTimeout).
func TestTimeoutHandler(t *testing.T) {
	lateErr := make(chan error, len(allTransports))
	answered := make(chan struct{}) // the clients have their 503s
	inner := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/slow" {
			<-r.Context().Done() // TimeoutHandler's deadline
			<-answered
			_, err := w.Write([]byte("too late"))
			lateErr <- err
			return
		}
		w.Header().Set("X-Inner", "yes")
		w.WriteHeader(http.StatusAccepted)
		w.Write([]byte("fast enough"))
	})
	h := http.TimeoutHandler(inner, 200*time.Millisecond, "timed out\n")
	servers := startAll(t, allTransports, h, options{})
	compare(t, servers, "fast", get("/fast"))
	replies := compare(t, servers, "slow", get("/slow"))
	close(answered)
	if replies[0].status != http.StatusServiceUnavailable {
		t.Errorf("slow: status %d, want 503", replies[0].status)
	}
	for range servers {
		if err := <-lateErr; !errors.Is(err, http.ErrHandlerTimeout) {
			t.Errorf("a late write returned %v, want http.ErrHandlerTimeout", err)
		}
	}
}

// TestMaxBytesReader compares a handler that limits its body with
// http.MaxBytesReader: within the limit it reads the body; past it, Read
// fails with *http.MaxBytesError and the handler answers 413. net/http's
// server also marks the response "Connection: close" (MaxBytesReader tells
// it through an unexported method, which no other server can implement);
// shio's closes too, as it does after any body left unread, so the framing
// and "close" are compared as well.
func TestMaxBytesReader(t *testing.T) {
	const limit = 1000
	errs := make(chan error, 64)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, limit)
		b, err := io.ReadAll(r.Body)
		if err != nil {
			var mbe *http.MaxBytesError
			if !errors.As(err, &mbe) || mbe.Limit != limit {
				errs <- fmt.Errorf("read error %T %v, want *http.MaxBytesError with limit %d", err, err, limit)
			}
			http.Error(w, "too large", http.StatusRequestEntityTooLarge)
			return
		}
		fmt.Fprintf(w, "read %d bytes", len(b))
	})
	servers := startAll(t, allTransports, h, options{})
	body := func(n int, chunked bool) func() io.Reader {
		return func() io.Reader {
			r := strings.NewReader(strings.Repeat("b", n))
			if chunked {
				return io.MultiReader(r) // no length: the client sends it chunked
			}
			return r
		}
	}
	for _, c := range []struct {
		name    string
		n       int
		chunked bool
		status  int
	}{
		{"within", limit, false, 200},
		{"within chunked", limit, true, 200},
		{"past", 5 * limit, false, 413},
		{"past chunked", 5 * limit, true, 413},
		{"far past", 300 * limit, false, 413},
		{"far past chunked", 300 * limit, true, 413},
	} {
		// net/http closes after the limit is hit; shio drains a body left
		// unread up to 256 KiB and keeps the connection, closing (and
		// saying so) past that: "close" is compared only past 256 KiB.
		var closes []bool
		keepClose := func(r *reply) {
			closes = append(closes, r.close)
			if c.n < 256<<10 {
				r.close = false
			}
		}
		replies := compare(t, servers, c.name, request(http.MethodPost, "/", body(c.n, c.chunked)), keepClose)
		if replies[0].status != c.status {
			t.Errorf("%s: status %d, want %d", c.name, replies[0].status, c.status)
		}
		// Whatever the server chose, the rest of the body was not taken
		// for a request: the next request on the connection is answered.
		compare(t, servers, c.name+", next", request(http.MethodPost, "/", body(10, false)))
	}
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// TestPprofAndExpvar serves net/http/pprof's and expvar's handlers. Their
// bodies describe the process at the moment of the request, so the
// comparison is of what does not move: status and header fields, the
// profile index's links, cmdline and symbol exactly, the heap profile's
// text sections, a CPU profile and an execution trace as non-empty binary
// streams, and expvar's variable names and the test's own variables.
func TestPprofAndExpvar(t *testing.T) {
	counter := expvar.NewInt("compat_requests")
	counter.Set(42)
	expvar.NewString("compat_name").Set("shio")
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	mux.Handle("/debug/vars", expvar.Handler())
	servers := startAll(t, plainTransports, mux, options{})

	count := regexp.MustCompile(`<td>\d+</td>`)
	// The index page lists the profiles with their current counts: the
	// counts move, the links do not.
	links := func(r *reply) {
		var keep []string
		for _, line := range strings.Split(string(r.body), "\n") {
			if strings.Contains(line, "href=") {
				keep = append(keep, count.ReplaceAllString(line, "<td>N</td>"))
			}
		}
		r.body = []byte(strings.Join(keep, "\n"))
		r.header.Del("Content-Length")
		r.contentLength, r.chunked = -1, false
	}
	replies := compare(t, servers, "index", get("/debug/pprof/"), links)
	if !strings.Contains(string(replies[0].body), "goroutine") {
		t.Errorf("index: no goroutine profile in %q", clip(replies[0].body))
	}
	replies = compare(t, servers, "cmdline", get("/debug/pprof/cmdline"))
	if want := strings.Join(os.Args, "\x00"); string(replies[0].body) != want {
		t.Errorf("cmdline: %q, want %q", clip(replies[0].body), want)
	}
	compare(t, servers, "symbol", get("/debug/pprof/symbol"))
	compare(t, servers, "symbol lookup", request(http.MethodPost, "/debug/pprof/symbol", func() io.Reader {
		return strings.NewReader("0x1")
	}))

	// A text heap profile: its header line and section names.
	sections := func(r *reply) {
		var keep []string
		for _, line := range strings.Split(string(r.body), "\n") {
			if strings.HasPrefix(line, "# runtime.MemStats") || strings.HasPrefix(line, "heap profile:") {
				keep = append(keep, strings.Fields(line)[0])
			}
		}
		r.body = []byte(strings.Join(keep, "\n"))
		r.header.Del("Content-Length")
		r.contentLength, r.chunked = -1, false
	}
	compare(t, servers, "heap", get("/debug/pprof/heap?debug=1"), sections)
	compare(t, servers, "unknown profile", get("/debug/pprof/nosuch"))

	// Binary profiles: only the framing-independent parts compare.
	binary := func(r *reply) {
		if len(r.body) == 0 {
			r.body = []byte("EMPTY")
		} else {
			r.body = nil
		}
		r.header.Del("Content-Length")
		r.contentLength, r.chunked = -1, false
	}
	compare(t, servers, "cpu profile", get("/debug/pprof/profile?seconds=1"), binary)
	compare(t, servers, "trace", get("/debug/pprof/trace?seconds=0.2"), binary)

	vars := func(r *reply) {
		var m map[string]json.RawMessage
		if err := json.Unmarshal(r.body, &m); err != nil {
			t.Errorf("expvar: %v in %q", err, clip(r.body))
			return
		}
		var names []string
		for k, v := range m {
			if strings.HasPrefix(k, "compat_") {
				k += "=" + string(v)
			}
			names = append(names, k)
		}
		slices.Sort(names)
		r.body = []byte(strings.Join(names, "\n"))
		r.header.Del("Content-Length")
		r.contentLength, r.chunked = -1, false
	}
	replies = compare(t, servers, "expvar", get("/debug/vars"), vars)
	if !strings.Contains(string(replies[0].body), "compat_requests=42") || !strings.Contains(string(replies[0].body), "memstats") {
		t.Errorf("expvar: %q", replies[0].body)
	}
}
