package loadgen_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/shio-rt/shio/cmd/shio/internal/loadgen"
)

func TestHTTPClosedLoopCountsEveryRequest(t *testing.T) {
	var served int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if r.Method != "POST" || string(body) != "ping" || r.Header.Get("X-Test") != "yes" {
			w.WriteHeader(400)
			return
		}
		io.WriteString(w, "Hello, World!")
	}))
	defer srv.Close()
	for _, pipeline := range []int{1, 4} {
		g, err := loadgen.NewHTTP(loadgen.HTTPConfig{
			URL: srv.URL + "/x?y=1", Method: "POST", Body: []byte("ping"),
			Header: http.Header{"X-Test": {"yes"}}, Conns: 3, Requests: 500, Pipeline: pipeline,
		})
		if err != nil {
			t.Fatal(err)
		}
		res, err := g.Run(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if res.Requests != 500 || res.Status[200] != 500 || res.ErrorCount() != 0 {
			t.Errorf("pipeline %d: requests %d, status %v, errors %v", pipeline, res.Requests, res.Status, res.Errors)
		}
		if res.Latency.Count() != 500 {
			t.Errorf("pipeline %d: %d latency samples, want 500", pipeline, res.Latency.Count())
		}
		served += res.Requests
	}
	_ = served
}

func TestHTTPChunkedAndStatusesAreCounted(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/missing" {
			http.NotFound(w, r)
			return
		}
		for range 3 {
			io.WriteString(w, strings.Repeat("x", 1000))
			w.(http.Flusher).Flush() // forces chunked coding
		}
	}))
	defer srv.Close()
	g, err := loadgen.NewHTTP(loadgen.HTTPConfig{URL: srv.URL, Requests: 50})
	if err != nil {
		t.Fatal(err)
	}
	res, err := g.Run(context.Background())
	if err != nil || res.Status[200] != 50 || res.ErrorCount() != 0 {
		t.Fatalf("err %v, status %v, errors %v", err, res.Status, res.Errors)
	}
	if res.BytesRead < 50*3000 {
		t.Errorf("read %d bytes, want at least the bodies' 150000", res.BytesRead)
	}
	g, _ = loadgen.NewHTTP(loadgen.HTTPConfig{URL: srv.URL + "/missing", Requests: 7})
	res, err = g.Run(context.Background())
	if err != nil || res.Status[404] != 7 {
		t.Fatalf("err %v, status %v", err, res.Status)
	}
}

func TestHTTPDurationEndsRunWithoutErrors(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "ok")
	}))
	defer srv.Close()
	g, _ := loadgen.NewHTTP(loadgen.HTTPConfig{URL: srv.URL, Conns: 4, Pipeline: 2})
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	res, err := g.Run(ctx)
	if err != nil || res.Requests == 0 || res.ErrorCount() != 0 {
		t.Fatalf("err %v, requests %d, errors %v", err, res.Requests, res.Errors)
	}
	if p := g.Progress(); p.Requests != res.Requests || p.Conns != 0 {
		t.Errorf("progress %+v after run, result %d requests", p, res.Requests)
	}
}

func TestHTTPBadURLsAreConfigErrors(t *testing.T) {
	for _, u := range []string{"", "://x", "http:///path", "http://host:99999/", "ftp://x/"} {
		if _, err := loadgen.NewHTTP(loadgen.HTTPConfig{URL: u}); !errors.Is(err, loadgen.ErrConfig) {
			t.Errorf("NewHTTP(%q) = %v, want ErrConfig", u, err)
		}
	}
}

func TestHTTPUnreachableHostFailsFast(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now
	g, _ := loadgen.NewHTTP(loadgen.HTTPConfig{URL: "http://" + addr + "/", Conns: 5})
	res, err := g.Run(context.Background()) // no deadline: must not retry forever
	if !errors.Is(err, loadgen.ErrNoConnection) {
		t.Fatalf("err = %v, want ErrNoConnection", err)
	}
	if res == nil || res.Errors[loadgen.KindConnect] != 5 {
		t.Fatalf("result %+v, want 5 connect errors", res)
	}
}
