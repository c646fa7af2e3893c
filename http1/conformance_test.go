package http1_test

import (
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/shio-rt/shio/http1"
)

// conformanceHandler echoes what it understood of a request: method, host,
// path, body and trailer names. A few paths shape the response instead.
func conformanceHandler(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/ignore": // never reads the body
		io.WriteString(w, "ignored")
		return
	case "/flush": // a body of unknown length
		io.WriteString(w, "a")
		w.(http.Flusher).Flush()
		io.WriteString(w, "b")
		return
	case "/204":
		w.Header().Set("Content-Length", "0")
		w.WriteHeader(http.StatusNoContent)
		return
	case "/103":
		w.Header().Set("Link", "</a>; rel=preload")
		w.WriteHeader(http.StatusEarlyHints)
		io.WriteString(w, "after hints")
		return
	}
	b, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	var tr []string
	for k, v := range r.Trailer {
		tr = append(tr, k+"="+strings.Join(v, ","))
	}
	slices.Sort(tr)
	fmt.Fprintf(w, "%s %s %s %q %v", r.Method, r.Host, r.URL.Path, b, tr)
}

// conformanceCase is one raw request and what RFC 9110/9112 require of the
// answer: its status, whether the server must close the connection
// after it, and (when set) the body or a header the response must carry.
type conformanceCase struct {
	name   string
	req    string
	status int
	close  bool
	body   string // exact body, when not empty
	header string // "Name: value" the response must carry, or "-Name" it must not
}

var conformanceCases = []conformanceCase{
	// Request line (RFC 9112 section 3).
	{name: "leading empty lines are ignored", req: "\r\n\r\nGET /a HTTP/1.1\r\nHost: x\r\n\r\n", status: 200, body: `GET x /a "" []`},
	{name: "leading bare LF", req: "\nGET / HTTP/1.1\r\nHost: x\r\n\r\n", status: 400, close: true},
	{name: "methods are case-sensitive", req: "get / HTTP/1.1\r\nHost: x\r\n\r\n", status: 501, close: true},
	{name: "extension method", req: "PURGE /a HTTP/1.1\r\nHost: x\r\n\r\n", status: 200, body: `PURGE x /a "" []`},
	{name: "two spaces", req: "GET  / HTTP/1.1\r\nHost: x\r\n\r\n", status: 400, close: true},
	{name: "lower-case version", req: "GET / http/1.1\r\nHost: x\r\n\r\n", status: 400, close: true},
	{name: "HTTP/2.0", req: "GET / HTTP/2.0\r\nHost: x\r\n\r\n", status: 505, close: true},
	{name: "HTTP/0.9 version", req: "GET / HTTP/0.9\r\nHost: x\r\n\r\n", status: 505, close: true},
	{name: "HTTP/2 preface", req: "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", status: 505, close: true},
	{name: "higher minor version", req: "GET /a HTTP/1.7\r\nHost: x\r\n\r\n", status: 200, body: `GET x /a "" []`},
	{name: "bare CR in target", req: "GET /a\rb HTTP/1.1\r\nHost: x\r\n\r\n", status: 400, close: true},
	{name: "fragment in target", req: "GET /a#b HTTP/1.1\r\nHost: x\r\n\r\n", status: 400, close: true},

	// Request target and Host (RFC 9112 sections 3.2 and 3.3).
	{name: "absolute form overrides Host", req: "GET http://example.com/p HTTP/1.1\r\nHost: other\r\n\r\n", status: 200, body: `GET example.com /p "" []`},
	{name: "absolute form still needs Host", req: "GET http://example.com/p HTTP/1.1\r\n\r\n", status: 400, close: true},
	{name: "no Host", req: "GET / HTTP/1.1\r\n\r\n", status: 400, close: true},
	{name: "two Hosts", req: "GET / HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n", status: 400, close: true},
	{name: "Host with space", req: "GET / HTTP/1.1\r\nHost: ex ample\r\n\r\n", status: 400, close: true},
	{name: "Host with userinfo", req: "GET / HTTP/1.1\r\nHost: u@x\r\n\r\n", status: 400, close: true},
	{name: "Host with path", req: "GET / HTTP/1.1\r\nHost: x/y\r\n\r\n", status: 400, close: true},
	{name: "Host with bad port", req: "GET / HTTP/1.1\r\nHost: x:8a\r\n\r\n", status: 400, close: true},
	{name: "Host IPv6 with port", req: "GET /a HTTP/1.1\r\nHost: [::1]:80\r\n\r\n", status: 200, body: `GET [::1]:80 /a "" []`},
	{name: "empty Host", req: "GET /a HTTP/1.1\r\nHost:\r\n\r\n", status: 400, close: true},
	{name: "HTTP/1.0 without Host", req: "GET /a HTTP/1.0\r\n\r\n", status: 200, close: true, body: `GET  /a "" []`},
	{name: "OPTIONS *", req: "OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n", status: 200, header: "Content-Length: 0"},
	{name: "asterisk form with GET", req: "GET * HTTP/1.1\r\nHost: x\r\n\r\n", status: 400, close: true},
	{name: "absolute form with empty host", req: "GET http:///p HTTP/1.1\r\nHost: x\r\n\r\n", status: 400, close: true},
	{name: "absolute form with userinfo", req: "GET http://u@example.com/p HTTP/1.1\r\nHost: example.com\r\n\r\n", status: 400, close: true},
	{name: "absolute form with bad port", req: "GET http://example.com:8a/p HTTP/1.1\r\nHost: example.com\r\n\r\n", status: 400, close: true},
	{name: "CONNECT is not implemented", req: "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n", status: 501, close: true},
	{name: "CONNECT with origin form", req: "CONNECT /a HTTP/1.1\r\nHost: x\r\n\r\n", status: 400, close: true},

	// Field syntax (RFC 9112 section 5, RFC 9110 section 5.5).
	{name: "space before colon", req: "GET / HTTP/1.1\r\nHost : x\r\n\r\n", status: 400, close: true},
	{name: "obs-fold", req: "GET / HTTP/1.1\r\nHost: x\r\nX-A: a\r\n b\r\n\r\n", status: 400, close: true},
	{name: "whitespace before first field", req: "GET / HTTP/1.1\r\n Host: x\r\n\r\n", status: 400, close: true},
	{name: "bare CR in value", req: "GET / HTTP/1.1\r\nHost: x\r\nX-A: a\rb\r\n\r\n", status: 400, close: true},
	{name: "bare LF line ending", req: "GET / HTTP/1.1\nHost: x\n\n", status: 400, close: true},
	{name: "NUL in value", req: "GET / HTTP/1.1\r\nHost: x\r\nX-A: a\x00b\r\n\r\n", status: 400, close: true},
	{name: "empty field name", req: "GET / HTTP/1.1\r\nHost: x\r\n: a\r\n\r\n", status: 400, close: true},

	// Framing (RFC 9112 section 6) and smuggling vectors.
	{name: "Content-Length body", req: "POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello", status: 200, body: `POST x /a "hello" []`},
	{name: "Content-Length +5", req: "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: +5\r\n\r\nhello", status: 400, close: true},
	{name: "Content-Length -1", req: "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n", status: 400, close: true},
	{name: "Content-Length hex", req: "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 0x5\r\n\r\nhello", status: 400, close: true},
	{name: "Content-Length empty", req: "POST / HTTP/1.1\r\nHost: x\r\nContent-Length:\r\n\r\n", status: 400, close: true},
	{name: "Content-Length overflow", req: "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999999\r\n\r\n", status: 400, close: true},
	{name: "two Content-Lengths", req: "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello", status: 400, close: true},
	{name: "Content-Length and Transfer-Encoding", req: "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", status: 400, close: true},
	{name: "chunked", req: "POST /a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n", status: 200, body: `POST x /a "hello" []`},
	{name: "CHUNKED is case-insensitive", req: "POST /a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: ChUnKeD\r\n\r\n5\r\nhello\r\n0\r\n\r\n", status: 200, body: `POST x /a "hello" []`},
	{name: "chunked, chunked", req: "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, chunked\r\n\r\n0\r\n\r\n", status: 400, close: true},
	{name: "chunked twice in two lines", req: "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", status: 400, close: true},
	{name: "identity", req: "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: identity\r\n\r\n", status: 400, close: true},
	{name: "chunked then gzip", req: "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", status: 400, close: true},
	{name: "gzip then chunked", req: "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n", status: 501, close: true},
	{name: "vertical tab before chunked", req: "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: \x0bchunked\r\n\r\n0\r\n\r\n", status: 400, close: true},
	{name: "obs-fold in Transfer-Encoding", req: "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding:\r\n chunked\r\n\r\n0\r\n\r\n", status: 400, close: true},
	{name: "Transfer-Encoding in HTTP/1.0", req: "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", status: 400, close: true},
	{name: "chunk size 0x prefix", req: "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0x5\r\nhello\r\n0\r\n\r\n", status: 400, close: true},
	{name: "chunk size overflow", req: "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nfffffffffffffffff1\r\nhello\r\n0\r\n\r\n", status: 400, close: true},
	{name: "LF-only chunk lines", req: "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\nhello\n0\n\n", status: 400, close: true},
	{name: "chunk extension", req: "POST /a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5;a=b\r\nhello\r\n0\r\n\r\n", status: 200, body: `POST x /a "hello" []`},
	{name: "very long chunk extension", req: "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5;a=" + strings.Repeat("b", 64<<10) + "\r\nhello\r\n0\r\n\r\n", status: 400, close: true},
	{name: "trailer", req: "POST /a HTTP/1.1\r\nHost: x\r\nTrailer: X-T\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\nX-T: 1\r\n\r\n", status: 200, body: `POST x /a "hello" [X-T=1]`},
	{name: "forbidden trailer fields are dropped", req: "POST /a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\nContent-Length: 9\r\nTransfer-Encoding: chunked\r\nHost: evil\r\n\r\n", status: 200, body: `POST x /a "hello" []`},

	// Connection management (RFC 9112 section 9).
	{name: "Connection: close, upgrade", req: "GET /a HTTP/1.1\r\nHost: x\r\nConnection: close, upgrade\r\nUpgrade: websocket\r\n\r\n", status: 200, close: true, body: `GET x /a "" []`},
	{name: "Connection: keep-alive on HTTP/1.0", req: "GET /a HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", status: 200, body: `GET  /a "" []`},

	// Responses (RFC 9110 sections 6.6.1, 8.6, 15).
	{name: "Date", req: "GET /a HTTP/1.1\r\nHost: x\r\n\r\n", status: 200, header: "Date"},
	{name: "no Content-Length on 204", req: "GET /204 HTTP/1.1\r\nHost: x\r\n\r\n", status: 204, header: "-Content-Length"},
	{name: "HEAD has GET's Content-Length", req: "HEAD /a HTTP/1.1\r\nHost: x\r\n\r\n", status: 200, header: "Content-Length: 15"},
	{name: "1xx without Content-Length", req: "GET /103 HTTP/1.1\r\nHost: x\r\n\r\n", status: 200, body: "after hints"},
	{name: "chunked response to HTTP/1.1", req: "GET /flush HTTP/1.1\r\nHost: x\r\n\r\n", status: 200, body: "ab", header: "-Content-Length"},
	{name: "no chunked response to HTTP/1.0", req: "GET /flush HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", status: 200, close: true, body: "ab", header: "-Transfer-Encoding"},
	{name: "HTTP/1.0 ignores 100-continue", req: "POST /a HTTP/1.0\r\nContent-Length: 2\r\nExpect: 100-continue\r\n\r\nhi", status: 200, close: true, body: `POST  /a "hi" []`},
	{name: "unsupported expectation", req: "GET / HTTP/1.1\r\nHost: x\r\nExpect: teapot\r\n\r\n", status: 417, close: true},
	{name: "100-continue never read", req: "POST /ignore HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n", status: 200, close: true, body: "ignored"},
}

func TestConformance(t *testing.T) {
	forEachPath(t, func(t *testing.T) {
		addr := serve(t, &http1.Server{Handler: http.HandlerFunc(conformanceHandler)})
		for _, tc := range conformanceCases {
			t.Run(tc.name, func(t *testing.T) {
				c := dial(t, addr)
				c.send(tc.req)
				method, _, _ := strings.Cut(strings.TrimLeft(tc.req, "\r\n"), " ")
				res, body := c.response(method)
				for res.StatusCode/100 == 1 && res.StatusCode != 101 {
					if tc.name != "100-continue never read" || res.StatusCode == 100 {
						if res.StatusCode == 100 || res.Header.Get("Content-Length") != "" {
							t.Fatalf("interim %s %v", res.Status, res.Header)
						}
					}
					res, body = c.response(method)
				}
				if res.StatusCode != tc.status {
					t.Fatalf("status %d, want %d (%q)", res.StatusCode, tc.status, body)
				}
				if tc.body != "" && body != tc.body {
					t.Fatalf("body %q, want %q", body, tc.body)
				}
				if name, ok := strings.CutPrefix(tc.header, "-"); ok {
					if _, has := res.Header[name]; has {
						t.Fatalf("response carries %s: %v", name, res.Header)
					}
				} else if name, value, _ := strings.Cut(tc.header, ": "); name != "" {
					if got, has := res.Header[name]; !has || value != "" && (len(got) != 1 || got[0] != value) {
						t.Fatalf("response %s = %q, want %q", name, got, value)
					}
				}
				if tc.close && (!res.Close || !c.closed()) {
					t.Fatalf("connection not closed (Close=%v)", res.Close)
				}
				if !tc.close && res.Close {
					t.Fatalf("connection closed (%v)", res.Header)
				}
			})
		}
	})
}
