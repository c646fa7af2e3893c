package compat_test

import (
	"bytes"
	"io"
	"math/rand/v2"
	"mime"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// multipartBoundary is a normalizer for multi-range replies: net/http picks a
// random boundary for each response, so the boundary in Content-Type and in
// the body is replaced by a fixed one, and the framing, which depends on the
// boundary's length only, is compared as is.
func multipartBoundary(r *reply) {
	ct := r.header.Get("Content-Type")
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil || mt != "multipart/byteranges" {
		return
	}
	b := params["boundary"]
	fixed := bytes.Repeat([]byte("B"), len(b))
	r.body = bytes.ReplaceAll(r.body, []byte(b), fixed)
	r.header.Set("Content-Type", mime.FormatMediaType(mt, map[string]string{"boundary": string(fixed)}))
}

// TestFileServer serves a directory with http.FileServer (wrapped to set an
// ETag, which http.ServeContent honours but FileServer does not compute) and
// compares single, suffix, multi and unsatisfiable ranges, conditional
// requests, HEAD, directory listing and redirects, and 404.
func TestFileServer(t *testing.T) {
	dir := t.TempDir()
	data := make([]byte, 300_000) // past every buffer, so the file is sent, not copied
	rnd := rand.New(rand.NewPCG(1, 2))
	for i := range data {
		data[i] = byte('a' + rnd.IntN(26))
	}
	modTime := time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)
	write := func(name string, p []byte) {
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, p, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(path, modTime, modTime); err != nil {
			t.Fatal(err)
		}
	}
	write("data.txt", data)
	write("small.json", []byte(`{"small":true}`))
	write("sub/index.html", []byte("<p>index</p>"))
	write("list/a.txt", []byte("a"))
	write("list/b.txt", []byte("b"))
	for _, d := range []string{"sub", "list"} {
		os.Chtimes(filepath.Join(dir, d), modTime, modTime)
	}

	fs := http.FileServer(http.Dir(dir))
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/data.txt" {
			w.Header().Set("ETag", `"v1"`)
		}
		fs.ServeHTTP(w, r)
	})
	servers := startAll(t, allTransports, h, options{})
	lastMod := modTime.Format(http.TimeFormat)
	cases := []struct {
		name string
		req  func(string) *http.Request
	}{
		{"whole", get("/data.txt")},
		{"small", get("/small.json")},
		{"single range", get("/data.txt", "Range: bytes=100-1099")},
		{"open range", get("/data.txt", "Range: bytes=299000-")},
		{"suffix range", get("/data.txt", "Range: bytes=-500")},
		{"multi range", get("/data.txt", "Range: bytes=0-9,1000-1999,-20")},
		{"overlapping ranges", get("/data.txt", "Range: bytes=0-99,50-149")},
		{"unsatisfiable range", get("/data.txt", "Range: bytes=400000-")},
		{"bad range", get("/data.txt", "Range: bytes=x-y")},
		{"if-modified-since", get("/data.txt", "If-Modified-Since: "+lastMod)},
		{"if-modified-since older", get("/small.json", "If-Modified-Since: "+modTime.Add(-time.Hour).Format(http.TimeFormat))},
		{"if-unmodified-since fails", get("/small.json", "If-Unmodified-Since: "+modTime.Add(-time.Hour).Format(http.TimeFormat))},
		{"if-none-match", get("/data.txt", `If-None-Match: "v1"`)},
		{"if-none-match other", get("/data.txt", `If-None-Match: "v0"`, "Range: bytes=0-9")},
		{"if-match fails", get("/data.txt", `If-Match: "v0"`)},
		{"if-range etag", get("/data.txt", `If-Range: "v1"`, "Range: bytes=0-9")},
		{"if-range stale", get("/data.txt", `If-Range: "v0"`, "Range: bytes=0-9")},
		{"head", request(http.MethodHead, "/data.txt", nil)},
		{"head range", request(http.MethodHead, "/data.txt", nil, "Range: bytes=0-9")},
		{"directory redirect", get("/sub")},
		{"index", get("/sub/")},
		{"index.html redirect", get("/sub/index.html")},
		{"listing", get("/list/")},
		{"not found", get("/missing.txt")},
		{"post", request(http.MethodPost, "/small.json", nil)},
	}
	for _, c := range cases {
		replies := compare(t, servers, c.name, c.req, multipartBoundary)
		switch c.name {
		case "whole":
			if !bytes.Equal(replies[0].body, data) {
				t.Errorf("whole: net/http sent %d bytes, not the file", len(replies[0].body))
			}
		case "multi range":
			checkParts(t, replies[0], data, [][2]int{{0, 10}, {1000, 2000}, {len(data) - 20, len(data)}})
		case "if-none-match", "if-modified-since":
			if replies[0].status != http.StatusNotModified {
				t.Errorf("%s: status %d, want 304", c.name, replies[0].status)
			}
		}
	}
}

// checkParts checks that a multipart/byteranges reply holds the given spans
// of data, in order.
func checkParts(t *testing.T, r reply, data []byte, spans [][2]int) {
	t.Helper()
	_, params, err := mime.ParseMediaType(r.header.Get("Content-Type"))
	if err != nil {
		t.Fatalf("multi range: %v", err)
	}
	mr := multipart.NewReader(bytes.NewReader(r.body), params["boundary"])
	for i, span := range spans {
		p, err := mr.NextPart()
		if err != nil {
			t.Fatalf("multi range: part %d: %v", i, err)
		}
		got, _ := io.ReadAll(p)
		if !bytes.Equal(got, data[span[0]:span[1]]) {
			t.Errorf("multi range: part %d holds %q, want bytes %d-%d", i, clip(got), span[0], span[1]-1)
		}
	}
	if _, err := mr.NextPart(); err != io.EOF {
		t.Errorf("multi range: more parts than %d (%v)", len(spans), err)
	}
}
