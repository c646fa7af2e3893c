package compat_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"
)

// chiApp is a small chi application with the middleware most chi services
// stack: request logging, panic recovery, compression and a timeout.
func chiApp(logs *logBuffer) http.Handler {
	r := chi.NewRouter()
	r.Use(middleware.RequestLogger(&middleware.DefaultLogFormatter{Logger: logs.logger(), NoColor: true}))
	r.Use(middleware.Recoverer)
	r.Use(middleware.Compress(5, "text/plain", "application/json"))
	r.Get("/", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("welcome"))
	})
	r.Route("/users", func(r chi.Router) {
		r.Get("/{id}", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			json.NewEncoder(w).Encode(map[string]string{"id": chi.URLParam(r, "id"), "route": chi.RouteContext(r.Context()).RoutePattern()})
		})
		r.Post("/{id}/posts/{post:[0-9]+}", func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusCreated)
			fmt.Fprintf(w, "user %s post %s", chi.URLParam(r, "id"), chi.URLParam(r, "post"))
		})
	})
	r.Get("/files/*", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "file %q", chi.URLParam(r, "*"))
	})
	r.Get("/big", func(w http.ResponseWriter, r *http.Request) {
		// Large enough to be compressed and to pass net/http's 2 KiB
		// response buffer, so the framing is chunked.
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		for i := range 4000 {
			fmt.Fprintf(w, "line %d of a compressible body\n", i)
		}
	})
	r.Get("/panic", func(w http.ResponseWriter, r *http.Request) {
		panic("route panicked")
	})
	r.With(middleware.Timeout(100*time.Millisecond)).Get("/slow", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(20 * time.Second):
			w.Write([]byte("never timed out"))
		}
	})
	r.With(middleware.Timeout(20*time.Second)).Get("/quick", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("in time"))
	})
	return r
}

// TestChiRouterAndMiddleware serves one chi application on every transport:
// routing and URL parameters, 404 and 405, a compressed and an uncompressed
// body, a panicking route behind Recoverer (500, and the connection goes on
// serving), a route past its Timeout (504), and the Logger's lines.
func TestChiRouterAndMiddleware(t *testing.T) {
	logs := make(map[transport]*logBuffer)
	var servers []*server
	for _, tr := range allTransports {
		logs[tr] = &logBuffer{}
		servers = append(servers, start(t, tr, chiApp(logs[tr]), options{}))
	}
	cases := []struct {
		name string
		req  func(string) *http.Request
	}{
		{"root", get("/")},
		{"url param", get("/users/42")},
		{"two params", request(http.MethodPost, "/users/ana/posts/7", nil)},
		{"param pattern mismatch", request(http.MethodPost, "/users/ana/posts/x", nil)},
		{"wildcard", get("/files/a/b/c.txt")},
		{"not found", get("/nope")},
		{"method not allowed", request(http.MethodDelete, "/users/42", nil)},
		{"compressed", get("/big", "Accept-Encoding: gzip")},
		{"compressed small", get("/users/7", "Accept-Encoding: gzip")},
		{"uncompressed", get("/big")},
		{"panic", get("/panic")},
		{"after panic", get("/")},
		{"timeout", get("/slow")},
		{"in time", get("/quick")},
		{"head", request(http.MethodHead, "/big", nil)},
	}
	for _, c := range cases {
		replies := compare(t, servers, c.name, c.req)
		switch c.name {
		case "panic":
			if replies[0].status != http.StatusInternalServerError {
				t.Errorf("panic: status %d, want 500", replies[0].status)
			}
		case "timeout":
			if replies[0].status != http.StatusGatewayTimeout {
				t.Errorf("timeout: status %d, want 504", replies[0].status)
			}
		case "compressed":
			if replies[0].header.Get("Content-Encoding") != "gzip" {
				t.Errorf("compressed: no gzip in %v", replies[0].header)
			}
		}
	}

	// The request Logger wrote one line per request, the same on every
	// server apart from the client's port and the time taken.
	varying := regexp.MustCompile(`127\.0\.0\.1:\d+|in [0-9.]+[µnm]?s`)
	want := strings.Split(varying.ReplaceAllString(logs[netHTTP].String(), "-"), "\n")
	if len(want) != len(cases)+1 {
		t.Fatalf("net/http's logger wrote %d lines for %d requests:\n%s", len(want)-1, len(cases), logs[netHTTP])
	}
	for _, tr := range allTransports[1:] {
		got := varying.ReplaceAllString(logs[tr].String(), "-")
		got = strings.ReplaceAll(got, "https://", "http://")
		if g := strings.Split(got, "\n"); !slices.Equal(g, want) {
			t.Errorf("%s's log lines differ:\n%s\nwant:\n%s", tr, got, strings.Join(want, "\n"))
		}
	}
}
