package http1_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/shio-rt/shio/http1"
)

// This file checks, from a raw client socket, the RFC 9110 and RFC 9112
// requirements a server can be held to. Each case names its section and
// requirement level; rfcCasesMore (rfc_conformance_cases_test.go) holds the
// rest of the table. Besides each case's own expectations, every response
// read passes checkWire, which enforces the rules that apply to all
// responses (status-line syntax, Date, framing fields), and a connection a
// case leaves open must still answer a fresh request: nothing the server sent
// or left unread may desynchronise it.

// rfcHandler serves the paths the cases use to make the server produce
// particular responses; any other path is conformanceHandler's echo.
func rfcHandler(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/hello":
		io.WriteString(w, "Hello, World!")
	case "/big": // one write past the large-write threshold
		w.Write(bytes.Repeat([]byte("x"), 20000))
	case "/stream": // too long to hold back: chunked for HTTP/1.1
		io.WriteString(w, strings.Repeat("y", 3000))
		io.WriteString(w, strings.Repeat("z", 3000))
	case "/status":
		code, _ := strconv.Atoi(r.URL.Query().Get("code"))
		w.WriteHeader(code)
		io.WriteString(w, "body") // refused for statuses without content
	case "/hint-cl": // a 1xx sent while the header map holds Content-Length
		w.Header().Set("Content-Length", "11")
		w.WriteHeader(http.StatusEarlyHints)
		io.WriteString(w, "after hints")
	case "/hint-te":
		w.Header().Set("Transfer-Encoding", "chunked")
		w.WriteHeader(http.StatusEarlyHints)
		w.Header().Del("Transfer-Encoding")
		io.WriteString(w, "x")
	case "/te": // a Handler that sets the framing field itself
		w.Header().Set("Transfer-Encoding", "chunked")
		io.WriteString(w, "abc")
	case "/close":
		w.Header().Set("Connection", "close")
		io.WriteString(w, "bye")
	case "/inject":
		w.Header().Set("X-Inj", "a\r\nSet-Cookie: evil=1")
		io.WriteString(w, "ok")
	case "/short": // declares more than it writes
		w.Header().Set("Content-Length", "10")
		io.WriteString(w, "hello")
	case "/over": // writes more than it declares
		w.Header().Set("Content-Length", "3")
		io.WriteString(w, "hel")
		io.WriteString(w, "lo") // refused: past the declared length
	case "/nothing":
	case "/trailer":
		w.Header().Set("Trailer", "X-T")
		io.WriteString(w, "abc")
		w.Header().Set("X-T", "1")
	case "/hdr": // header value / trailer value / body length of field n
		b, _ := io.ReadAll(r.Body)
		n := r.URL.Query().Get("n")
		fmt.Fprintf(w, "%s/%s/%d", r.Header.Get(n), r.Trailer.Get(n), len(b))
	case "/panic-hint": // a Handler that fails after a 1xx went out
		w.WriteHeader(http.StatusEarlyHints)
		panic("boom")
	case "/date": // a Handler that sets Date itself
		w.Header().Set("Date", "Sun, 06 Nov 1994 08:49:37 GMT")
		io.WriteString(w, "dated")
	case "/badname": // field names and values a Handler must not get onto the wire
		w.Header()["Bad Name"] = []string{"v"}
		w.Header()["X-Ok"] = []string{"ok"}
		w.Header().Set("Content-Length", "abc")
		io.WriteString(w, "named")
	case "/404":
		http.NotFound(w, r)
	case "/redirect":
		http.Redirect(w, r, "/hello", http.StatusMovedPermanently)
	default:
		conformanceHandler(w, r)
	}
}

// rfcCase is one connection: request bytes and the responses RFC 9110/9112
// require, in order.
type rfcCase struct {
	name  string // "RFC 9112 §x LEVEL: ..." — the clause checked
	req   string
	then  string // sent after a 100 Continue: the body an expecting client held back
	split int    // when > 0, req is written in pieces of this many bytes
	shut  bool   // the client half-closes after req
	resps []want // no responses means the server must answer nothing
	close bool   // the server must close the connection after the responses
}

// want is one expected final response.
type want struct {
	status int
	body   string   // exact body, when not empty
	hdr    []string // "Name: value" (exactly one such value), "Name" (present), "-Name" (absent)
	head   bool     // the response answers a HEAD request
	trunc  bool     // the body must end early: the connection closes mid-body
}

func r(status int, body string, hdr ...string) want {
	return want{status: status, body: body, hdr: hdr}
}

func head(status int, hdr ...string) want { return want{status: status, hdr: hdr, head: true} }

func TestRFCConformance(t *testing.T) {
	cases := append(append([]rfcCase(nil), rfcCases...), rfcCasesMore...)
	forEachPath(t, func(t *testing.T) {
		addr := serve(t, &http1.Server{Handler: http.HandlerFunc(rfcHandler)})
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) { tc.run(t, addr) })
		}
	})
}

func (tc *rfcCase) run(t *testing.T, addr string) { tc.runOn(t, dial(t, addr)) }

// runOn runs the case on c, a fresh connection (plain or TLS).
func (tc *rfcCase) runOn(t *testing.T, c *client) {
	// Write errors are ignored: a server may refuse a request before the
	// client has finished writing it, and what it answered is what counts.
	if tc.split > 0 {
		for s := tc.req; len(s) > 0; {
			n := min(tc.split, len(s))
			io.WriteString(c.conn, s[:n])
			s = s[n:]
		}
	} else {
		io.WriteString(c.conn, tc.req)
	}
	if tc.shut {
		c.conn.(interface{ CloseWrite() error }).CloseWrite() // TCP FIN, or TLS close_notify
	}
	v10 := strings.Contains(firstLine(tc.req), " HTTP/1.0")
	sentThen := false
	for i, want := range tc.resps {
		var res *http.Response
		var body string
		for {
			raw := c.rawHead()
			var err error
			res, body, err = c.read(want.head)
			if err != nil && !(want.trunc && errors.Is(err, io.ErrUnexpectedEOF)) {
				t.Fatalf("response %d: %v (head %q)", i, err, raw)
			}
			if want.trunc && err == nil {
				t.Fatalf("response %d: body %q complete, want it cut short", i, body)
			}
			checkWire(t, raw, res, v10, want.head)
			if res.StatusCode >= 200 || res.StatusCode == http.StatusSwitchingProtocols {
				break
			}
			if res.StatusCode == http.StatusContinue && tc.then != "" && !sentThen {
				c.send(tc.then)
				sentThen = true
			}
		}
		if res.StatusCode != want.status {
			t.Fatalf("response %d: status %d, want %d (%q)", i, res.StatusCode, want.status, body)
		}
		if want.body != "" && body != want.body {
			t.Fatalf("response %d: body %q, want %q", i, body, want.body)
		}
		for _, h := range want.hdr {
			if h == "Connection: close" { // ReadResponse moves it to Close
				if !res.Close {
					t.Fatalf("response %d lacks Connection: close", i)
				}
				continue
			}
			checkHeader(t, res.Header, h)
		}
	}
	if tc.then != "" && !sentThen {
		t.Fatal("RFC 9110 §10.1.1 MUST: no 100 Continue for a request whose content the Handler read")
	}
	if tc.close {
		if !c.closed() {
			t.Fatal("the connection stays open (or more bytes came)")
		}
		return
	}
	// The connection must still carry a request: nothing left over on
	// either side.
	if v10 {
		c.send("GET /hello HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
	} else {
		c.send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n")
	}
	raw := c.rawHead()
	res, body, err := c.read(false)
	if err != nil || res.StatusCode != 200 || body != "Hello, World!" {
		t.Fatalf("follow-up request on the kept connection: %v %q (head %q)", err, body, raw)
	}
	checkWire(t, raw, res, v10, false)
}

func firstLine(req string) string {
	line, _, _ := strings.Cut(strings.TrimLeft(req, "\r\n"), "\n")
	return line
}

// rawHead returns the raw bytes of the next response head without consuming
// them, or "" if the connection ends first.
func (c *client) rawHead() string {
	for {
		b, _ := c.br.Peek(c.br.Buffered())
		if i := bytes.Index(b, []byte("\r\n\r\n")); i >= 0 {
			return string(b[:i+4])
		}
		if c.br.Buffered() == c.br.Size() {
			c.t.Fatalf("response head larger than %d bytes", c.br.Size())
		}
		if _, err := c.br.Peek(c.br.Buffered() + 1); err != nil {
			return ""
		}
	}
}

// read reads one response and its whole body.
func (c *client) read(isHead bool) (*http.Response, string, error) {
	method := "GET"
	if isHead {
		method = "HEAD"
	}
	res, err := http.ReadResponse(c.br, &http.Request{Method: method})
	if err != nil {
		return nil, "", err
	}
	b, err := io.ReadAll(res.Body)
	return res, string(b), err
}

var statusLine = regexp.MustCompile(`^HTTP/1\.1 [1-5][0-9][0-9] [^\r\n\x00]*\r\n`)

// checkWire enforces the requirements on every response a server sends.
func checkWire(t *testing.T, raw string, res *http.Response, v10, isHead bool) {
	t.Helper()
	// RFC 9112 §4 and RFC 9110 §6.2 MUST NOT send a version it does not
	// conform to; RFC 9110 §15 status codes are 100 to 599.
	if !statusLine.MatchString(raw) {
		t.Fatalf("RFC 9112 §4: malformed status line in %q", raw)
	}
	lines := strings.Split(strings.TrimSuffix(raw, "\r\n\r\n"), "\r\n")[1:]
	for _, l := range lines {
		// RFC 9112 §2.2 MUST NOT send whitespace between the start line and
		// the first field; §5.2 MUST NOT generate obs-fold.
		if l == "" || l[0] == ' ' || l[0] == '\t' {
			t.Fatalf("RFC 9112 §2.2/§5.2: whitespace-led or empty field line in %q", raw)
		}
		name, value, ok := strings.Cut(l, ":")
		if !ok || !isToken(name) || strings.ContainsAny(value, "\r\n\x00") {
			t.Fatalf("RFC 9110 §5.5/RFC 9112 §5: malformed field line %q", l)
		}
	}
	code := res.StatusCode
	_, hasCL := res.Header["Content-Length"]
	_, hasTE := res.Header["Transfer-Encoding"]
	chunked := len(res.TransferEncoding) > 0
	hasTE = hasTE || chunked // net/http moves the field out of the header map
	switch {
	case hasCL && hasTE:
		t.Fatalf("RFC 9112 §6.2 MUST NOT: both Content-Length and Transfer-Encoding in %q", raw)
	case (code < 200 || code == 204) && (hasCL || hasTE):
		t.Fatalf("RFC 9110 §8.6/RFC 9112 §6.1 MUST NOT: framing field in a %d response: %q", code, raw)
	case v10 && hasTE:
		t.Fatalf("RFC 9112 §6.1 MUST NOT: Transfer-Encoding to an HTTP/1.0 client: %q", raw)
	case v10 && code < 200:
		t.Fatalf("RFC 9110 §15.2 MUST NOT: %d sent to an HTTP/1.0 client", code)
	}
	if code >= 200 && code < 500 {
		// RFC 9110 §6.6.1 MUST send Date in 2xx, 3xx and 4xx; §5.6.7 MUST
		// generate IMF-fixdate.
		d := res.Header.Values("Date")
		if len(d) != 1 {
			t.Fatalf("RFC 9110 §6.6.1 MUST: Date fields %q in a %d response", d, code)
		}
		if _, err := time.Parse(http.TimeFormat, d[0]); err != nil || !strings.HasSuffix(d[0], " GMT") {
			t.Fatalf("RFC 9110 §5.6.7 MUST: Date %q is not IMF-fixdate", d[0])
		}
	}
}

func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`"(),/:;<=>?@[\]{}`, c) >= 0 {
			return false
		}
	}
	return true
}

func checkHeader(t *testing.T, h http.Header, spec string) {
	t.Helper()
	if name, ok := strings.CutPrefix(spec, "-"); ok {
		if v, has := h[name]; has {
			t.Fatalf("response carries %s: %q", name, v)
		}
		return
	}
	name, value, withValue := strings.Cut(spec, ": ")
	got, has := h[name]
	switch {
	case !has:
		t.Fatalf("response lacks %s (%v)", name, h)
	case withValue && (len(got) != 1 || got[0] != value):
		t.Fatalf("response %s = %q, want %q", name, got, value)
	}
}

var rfcCases = []rfcCase{
	// RFC 9112 §2.2: message parsing.
	{name: "RFC 9112 §2.2 MUST: bare CR ends the request line", req: "GET / HTTP/1.1\rHost: x\r\n\r\n", resps: []want{r(400, "")}, close: true},
	{name: "RFC 9112 §2.2 MUST: bare CR in a field name", req: "GET / HTTP/1.1\r\nHost: x\r\nX\rY: a\r\n\r\n", resps: []want{r(400, "")}, close: true},
	{name: "RFC 9112 §2.2 MUST: bare CR in the method", req: "G\rET / HTTP/1.1\r\nHost: x\r\n\r\n", resps: []want{r(400, "")}, close: true},
	{name: "RFC 9112 §2.2 MUST: bare CR before the request line's CRLF", req: "GET / HTTP/1.1\r\r\nHost: x\r\n\r\n", resps: []want{r(400, "")}, close: true},
	{name: "RFC 9112 §2.2 MUST: whitespace-only line after the start line", req: "GET / HTTP/1.1\r\n \r\nHost: x\r\n\r\n", resps: []want{r(400, "")}, close: true},
	{name: "RFC 9112 §2.2 MUST: tab-led line after the start line", req: "GET / HTTP/1.1\r\n\tHost: x\r\n\r\n", resps: []want{r(400, "")}, close: true},
	{name: "RFC 9112 §2.2 MAY: bare LF ending a field line is refused", req: "GET / HTTP/1.1\r\nHost: x\nX: y\r\n\r\n", resps: []want{r(400, "")}, close: true},
	{name: "RFC 9112 §2.2 SHOULD: binary garbage gets 400 and a close", req: "\x00\x01\x02\xfe\xff\r\n\r\n", resps: []want{r(400, "")}, close: true},
	{name: "RFC 9112 §2.2 SHOULD: whitespace-only request line", req: "   \r\n\r\n", resps: []want{r(400, "")}, close: true},
	{name: "RFC 9110 §6.3 MUST: no request applied before its header section ends", req: "GET /hdr?n=X-Last HTTP/1.1\r\nHost: x\r\nX-Last: z\r\n\r\n", split: 1, resps: []want{r(200, "z//0")}},
	{name: "RFC 9110 §6.3 MUST: an unfinished head is never answered 2xx", req: "GET / HTTP/1.1\r\nHost: x\r\nX-Test: value", shut: true, close: true},

	// RFC 9112 §2.3: HTTP version.
	{name: "RFC 9112 §2.3 MUST: HTTP/1 without a minor version", req: "GET / HTTP/1\r\nHost: x\r\n\r\n", resps: []want{r(400, "")}, close: true},
	{name: "RFC 9112 §2.3 MUST: leading zeros in the version", req: "GET / HTTP/01.01\r\nHost: x\r\n\r\n", resps: []want{r(400, "")}, close: true},
	{name: "RFC 9112 §2.3 MUST: whitespace inside the version", req: "GET / HTTP/ 1.1\r\nHost: x\r\n\r\n", resps: []want{r(400, "")}, close: true},
	{name: "RFC 9112 §2.3 MUST: HTTP-name is case-sensitive (Http)", req: "GET / Http/1.1\r\nHost: x\r\n\r\n", resps: []want{r(400, "")}, close: true},
	{name: "RFC 9110 §15.6.6: HTTP/3.0 gets 505", req: "GET / HTTP/3.0\r\nHost: x\r\n\r\n", resps: []want{r(505, "")}, close: true},
	{name: "RFC 9110 §15.6.6: HTTP/9.9 gets 505", req: "GET / HTTP/9.9\r\nHost: x\r\n\r\n", resps: []want{r(505, "")}, close: true},
	{name: "RFC 9110 §6.2 MUST NOT: an HTTP/1.0 request gets an HTTP/1.1 response", req: "GET /hello HTTP/1.0\r\n\r\n", resps: []want{r(200, "Hello, World!")}, close: true},

	// RFC 9112 §3: request line.
	{name: "RFC 9112 §3 MUST: missing request target", req: "GET HTTP/1.1\r\nHost: x\r\n\r\n", resps: []want{r(400, "")}, close: true},
	{name: "RFC 9112 §3 MUST: method alone", req: "GET\r\nHost: x\r\n\r\n", resps: []want{r(400, "")}, close: true},
	{name: "RFC 9112 §3 MUST: leading space before the method", req: " GET / HTTP/1.1\r\nHost: x\r\n\r\n", resps: []want{r(400, "")}, close: true},
	{name: "RFC 9112 §3 SHOULD: tab as a separator", req: "GET\t/ HTTP/1.1\r\nHost: x\r\n\r\n", resps: []want{r(400, "")}, close: true},
	{name: "RFC 9112 §3 SHOULD: a request line of 8000 octets is accepted", req: "GET /" + strings.Repeat("a", 7900) + " HTTP/1.1\r\nHost: x\r\n\r\n", resps: []want{r(200, "")}},
	{name: "RFC 9112 §3 MUST: a target too long to parse gets 414", req: "GET /" + strings.Repeat("a", 100000) + " HTTP/1.1\r\nHost: x\r\n\r\n", resps: []want{r(414, "")}, close: true},
	{name: "RFC 9112 §3 SHOULD: a method longer than any implemented gets 501", req: strings.Repeat("A", 10000) + " / HTTP/1.1\r\nHost: x\r\n\r\n", resps: []want{r(501, "")}, close: true},
	{name: "RFC 9112 §3.2 MUST: NUL in the target", req: "GET /\x00a HTTP/1.1\r\nHost: x\r\n\r\n", resps: []want{r(400, "")}, close: true},
	{name: "RFC 9112 §3.2 MUST: raw UTF-8 in the target", req: "GET /caf\xc3\xa9 HTTP/1.1\r\nHost: x\r\n\r\n", resps: []want{r(400, "")}, close: true},
	{name: "RFC 9112 §3.2 MUST: overlong UTF-8 in the target", req: "GET /\xc0\xaf HTTP/1.1\r\nHost: x\r\n\r\n", resps: []want{r(400, "")}, close: true},
	{name: "RFC 9112 §3.2 MUST: space inside the target", req: "GET /pa th HTTP/1.1\r\nHost: x\r\n\r\n", resps: []want{r(400, "")}, close: true},
	{name: "RFC 9112 §3.2 MUST: a query without a path is no request-target", req: "GET ?q HTTP/1.1\r\nHost: x\r\n\r\n", resps: []want{r(400, "")}, close: true},
	{name: "RFC 9112 §3.2.3 MUST: authority-form is for CONNECT only", req: "GET x:80 HTTP/1.1\r\nHost: x\r\n\r\n", resps: []want{r(400, "")}, close: true},
	{name: "RFC 9112 §3.2.3 MUST: CONNECT with an empty port (RFC 9110 §9.3.6)", req: "CONNECT x: HTTP/1.1\r\nHost: x:\r\n\r\n", resps: []want{r(400, "")}, close: true},
	{name: "RFC 9112 §3.2.3 MUST: CONNECT without a port (RFC 9110 §9.3.6)", req: "CONNECT x HTTP/1.1\r\nHost: x\r\n\r\n", resps: []want{r(400, "")}, close: true},
	{name: "RFC 9112 §3.2.4 MUST: asterisk-form is for OPTIONS only (POST)", req: "POST * HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n", resps: []want{r(400, "")}, close: true},
	{name: "RFC 9112 §3.2.4 MUST: OPTIONS * in HTTP/1.0", req: "OPTIONS * HTTP/1.0\r\n\r\n", resps: []want{r(200, "", "Content-Length: 0")}, close: true},
	{name: "RFC 9112 §3.2.4 MUST: OPTIONS * keeps the connection", req: "OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\nGET /a HTTP/1.1\r\nHost: x\r\n\r\n", resps: []want{r(200, ""), r(200, `GET x /a "" []`)}},
	{name: "RFC 9112 §3.2.2 MUST: absolute-form https target", req: "GET https://example.com/p HTTP/1.1\r\nHost: other\r\n\r\n", resps: []want{r(200, `GET example.com /p "" []`)}},
	{name: "RFC 9112 §3.2.2 MUST: absolute-form scheme is case-insensitive", req: "GET HTTP://example.com/p HTTP/1.1\r\nHost: example.com\r\n\r\n", resps: []want{r(200, `GET example.com /p "" []`)}},
	{name: "RFC 9112 §3.2.2 MUST: absolute-form with an empty path", req: "GET http://example.com HTTP/1.1\r\nHost: example.com\r\n\r\n", resps: []want{r(200, `GET example.com  "" []`)}},
	{name: "RFC 9112 §3.2.2 MUST: absolute-form with a query", req: "GET http://example.com/p?q=1 HTTP/1.1\r\nHost: example.com\r\n\r\n", resps: []want{r(200, `GET example.com /p "" []`)}},

	// RFC 9112 §3.2 and RFC 9110 §7.2: Host.
	{name: "RFC 9112 §3.2 MUST: empty Host (RFC 9110 §4.2.1: an http URI has a host)", req: "GET / HTTP/1.1\r\nHost:\r\n\r\n", resps: []want{r(400, "")}, close: true},
	{name: "RFC 9112 §3.2 MUST: Host of spaces only", req: "GET / HTTP/1.1\r\nHost:   \r\n\r\n", resps: []want{r(400, "")}, close: true},
	{name: "RFC 9112 §3.2 MUST: Host with a comma-separated list", req: "GET / HTTP/1.1\r\nHost: x, y\r\n\r\n", resps: []want{r(400, "")}, close: true},
	{name: "RFC 9112 §3.2 MUST: Host with a tab inside", req: "GET / HTTP/1.1\r\nHost: x\ty\r\n\r\n", resps: []want{r(400, "")}, close: true},
	{name: "RFC 9112 §3.2 MUST: Host with a fragment", req: "GET / HTTP/1.1\r\nHost: x#y\r\n\r\n", resps: []want{r(400, "")}, close: true},
	{name: "RFC 9112 §3.2 MUST: two identical Host lines", req: "GET / HTTP/1.1\r\nHost: x\r\nHost: x\r\n\r\n", resps: []want{r(400, "")}, close: true},
	{name: "RFC 9112 §3.2 MUST: two Host lines differing in case", req: "GET / HTTP/1.1\r\nhost: x\r\nHOST: y\r\n\r\n", resps: []want{r(400, "")}, close: true},
	{name: "RFC 9112 §3.2 MUST: two Host lines in HTTP/1.0", req: "GET / HTTP/1.0\r\nHost: x\r\nHost: y\r\n\r\n", resps: []want{r(400, "")}, close: true},
	{name: "RFC 9112 §3.2 MUST: invalid Host in HTTP/1.0", req: "GET / HTTP/1.0\r\nHost: a b\r\n\r\n", resps: []want{r(400, "")}, close: true},
	{name: "RFC 9112 §3.2 MUST: each pipelined request needs its own Host", req: "GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\n\r\n", resps: []want{r(200, `GET x /a "" []`), r(400, "")}, close: true},
	{name: "RFC 9110 §5.1: the Host field name is case-insensitive", req: "GET /a HTTP/1.1\r\nhOST: x\r\n\r\n", resps: []want{r(200, `GET x /a "" []`)}},
	{name: "RFC 9112 §5.1: OWS around the Host value is not part of it", req: "GET /a HTTP/1.1\r\nHost: \t x \t\r\n\r\n", resps: []want{r(200, `GET x /a "" []`)}},

	// RFC 9112 §5 and RFC 9110 §5: field syntax.
	{name: "RFC 9112 §5 MUST: field line without a colon", req: "GET / HTTP/1.1\r\nHost: x\r\nNoColonHere\r\n\r\n", resps: []want{r(400, "")}, close: true},
	{name: "RFC 9112 §5 MUST: bracket in a field name", req: "GET / HTTP/1.1\r\nHost: x\r\nBad[Name: v\r\n\r\n", resps: []want{r(400, "")}, close: true},
	{name: "RFC 9112 §5 MUST: non-ASCII field name", req: "GET / HTTP/1.1\r\nHost: x\r\nX-T\xc3\xabst: v\r\n\r\n", resps: []want{r(400, "")}, close: true},
	{name: "RFC 9112 §5 MUST: tab inside a field name", req: "GET / HTTP/1.1\r\nHost: x\r\nX\tY: v\r\n\r\n", resps: []want{r(400, "")}, close: true},
	{name: "RFC 9112 §5 MUST: space inside a field name", req: "GET / HTTP/1.1\r\nHost: x\r\nX Y: v\r\n\r\n", resps: []want{r(400, "")}, close: true},
	{name: "RFC 9112 §5 MUST: NUL in a field name", req: "GET / HTTP/1.1\r\nHost: x\r\nX\x00Y: v\r\n\r\n", resps: []want{r(400, "")}, close: true},
	{name: "RFC 9112 §5.1 MUST: tab before the colon", req: "GET / HTTP/1.1\r\nHost\t: x\r\n\r\n", resps: []want{r(400, "")}, close: true},
	{name: "RFC 9112 §5.1 MUST: space before the colon of Content-Length", req: "POST / HTTP/1.1\r\nHost: x\r\nContent-Length : 5\r\n\r\nhello", resps: []want{r(400, "")}, close: true},
	{name: "RFC 9112 §5.1 MUST: space before the colon of Transfer-Encoding", req: "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding : chunked\r\nContent-Length: 5\r\n\r\nhello", resps: []want{r(400, "")}, close: true},
	{name: "RFC 9112 §5.2 MUST: obs-fold with a tab", req: "GET / HTTP/1.1\r\nHost: x\r\nX-A: a\r\n\tb\r\n\r\n", resps: []want{r(400, "")}, close: true},
	{name: "RFC 9112 §5.2 MUST: obs-fold of Host", req: "GET / HTTP/1.1\r\nHost:\r\n x\r\n\r\n", resps: []want{r(400, "")}, close: true},
	{name: "RFC 9110 §5.5 MUST: BEL, BS and VT in a value", req: "GET / HTTP/1.1\r\nHost: x\r\nX-Test: abc\x07\x08\x0bdef\r\n\r\n", resps: []want{r(400, "")}, close: true},
	{name: "RFC 9110 §5.5 MUST: DEL in a value", req: "GET / HTTP/1.1\r\nHost: x\r\nX-Test: a\x7fb\r\n\r\n", resps: []want{r(400, "")}, close: true},
	{name: "RFC 9110 §5.5 MUST: LF inside a value", req: "GET / HTTP/1.1\r\nHost: x\r\nX-Test: a\nb\r\n\r\n", resps: []want{r(400, "")}, close: true},
	{name: "RFC 9110 §5.5: obs-text in a value is accepted", req: "GET /a HTTP/1.1\r\nHost: x\r\nX-Test: caf\xe9\r\n\r\n", resps: []want{r(200, `GET x /a "" []`)}},
	{name: "RFC 9110 §5.5: an empty value is accepted", req: "GET /hdr?n=X-Empty HTTP/1.1\r\nHost: x\r\nX-Empty:\r\n\r\n", resps: []want{r(200, "//0")}},
	{name: "RFC 9110 §5.4 MUST: too many fields get a 4xx", req: "GET / HTTP/1.1\r\nHost: x\r\n" + strings.Repeat("X-H: v\r\n", 500) + "\r\n", resps: []want{r(431, "")}, close: true},
	{name: "RFC 9110 §5.4 MUST: a 100 KB field value gets a 4xx", req: "GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + strings.Repeat("B", 100000) + "\r\n\r\n", resps: []want{r(431, "")}, close: true},
	{name: "RFC 9110 §5.4 MUST: a 100 KB field name gets a 4xx", req: "GET / HTTP/1.1\r\nHost: x\r\n" + strings.Repeat("A", 100000) + ": v\r\n\r\n", resps: []want{r(431, "")}, close: true},
}
