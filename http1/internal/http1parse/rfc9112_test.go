package http1parse_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/shio-rt/shio/http1/internal/http1parse"
)

// rfcCase is one request head and what RFC 9112 says a server does with it:
// status 0 means "accept".
type rfcCase struct {
	name    string
	in      string
	status  int
	section string
}

var rfcCases = []rfcCase{
	{"simple GET", "GET / HTTP/1.1\r\nHost: a\r\n\r\n", 0, "3"},
	{"HTTP/1.0 without Host", "GET / HTTP/1.0\r\n\r\n", 0, "3.2"},
	{"leading empty lines ignored", "\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n", 0, "2.2"},
	{"absolute-form", "GET http://a/b?c HTTP/1.1\r\nHost: a\r\n\r\n", 0, "3.2.2"},
	{"asterisk-form", "OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n", 0, "3.2.4"},
	{"authority-form", "CONNECT a:443 HTTP/1.1\r\nHost: a:443\r\n\r\n", 0, "3.2.3"},
	{"OWS around value", "GET / HTTP/1.1\r\nHost:\t a \t\r\n\r\n", 0, "5.1"},
	{"empty field value", "GET / HTTP/1.1\r\nHost: a\r\nX:\r\n\r\n", 0, "5"},
	{"obs-text in value", "GET / HTTP/1.1\r\nHost: a\r\nX: \xe9\r\n\r\n", 0, "5.5"},
	{"empty Host in 1.1", "GET / HTTP/1.1\r\nHost:\r\n\r\n", 400, "3.2 (RFC 9110 4.2.1: an http URI has a host)"},
	{"HTTP/1.2 read as 1.1", "GET / HTTP/1.2\r\nHost: a\r\n\r\n", 0, "2.3"},
	{"chunked", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n", 0, "6.1"},
	{"content-length zero", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n", 0, "6.2"},
	{"content-length leading zeros", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 007\r\n\r\n", 0, "6.2"},

	{"CL and TE", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n", 400, "6.1"},
	{"TE and CL", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n", 400, "6.1"},
	{"TE final coding not chunked", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", 400, "6.3"},
	{"TE identity", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: identity\r\n\r\n", 400, "6.3"},
	{"TE empty", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding:\r\n\r\n", 400, "6.1"},
	{"TE chunked twice", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n", 400, "7"},
	{"TE chunked twice in one list", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, chunked\r\n\r\n", 400, "7"},
	{"TE vertical tab before chunked", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: \x0bchunked\r\n\r\n", 400, "5.5"},
	{"Content-Length with plus sign", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: +5\r\n\r\n", 400, "6.2"},
	{"Host port not digits", "GET / HTTP/1.1\r\nHost: a:8a\r\n\r\n", 400, "3.2 (RFC 9110 7.2)"},
	{"Host two colons", "GET / HTTP/1.1\r\nHost: a:1:2\r\n\r\n", 400, "3.2 (RFC 9110 7.2)"},
	{"Host bracket in name", "GET / HTTP/1.1\r\nHost: a]b\r\n\r\n", 400, "3.2 (RFC 9110 7.2)"},
	{"Host unclosed IP literal", "GET / HTTP/1.1\r\nHost: [::1\r\n\r\n", 400, "3.2 (RFC 9110 7.2)"},
	{"Host IP literal with port", "GET / HTTP/1.1\r\nHost: [::1]:8080\r\n\r\n", 0, "3.2 (RFC 9110 7.2)"},
	{"Host empty port", "GET / HTTP/1.1\r\nHost: a:\r\n\r\n", 0, "3.2 (RFC 3986 3.2.3)"},
	{"TE chunked with params", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked;q=1\r\n\r\n", 400, "6.3"},
	{"TE unknown coding then chunked", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 501, "6.1"},
	{"TE in HTTP/1.0", "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", 400, "6.1"},
	{"TE list with empty elements", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: ,chunked,\r\n\r\n", 501, "6.1 (stricter than RFC 9110 5.6.1, as net/http)"},
	{"TE with junk", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: \"chunked\"\r\n\r\n", 400, "6.1"},
	{"CL duplicate identical", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\nx", 400, "6.3"},
	{"CL list", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1, 1\r\n\r\nx", 400, "6.3"},
	{"CL plus sign", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: +1\r\n\r\nx", 400, "6.3"},
	{"CL minus sign", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n", 400, "6.3"},
	{"CL junk", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1x\r\n\r\n", 400, "6.3"},
	{"CL hex", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0x1\r\n\r\n", 400, "6.3"},
	{"CL empty", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length:\r\n\r\n", 400, "6.3"},
	{"CL overflow", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 99999999999999999999\r\n\r\n", 400, "6.3"},
	{"CL inner space", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1 2\r\n\r\n", 400, "6.3"},
	{"space before colon", "GET / HTTP/1.1\r\nHost : a\r\n\r\n", 400, "5.1"},
	{"tab before colon", "GET / HTTP/1.1\r\nHost\t: a\r\n\r\n", 400, "5.1"},
	{"obs-fold", "GET / HTTP/1.1\r\nHost: a\r\nX: b\r\n c\r\n\r\n", 400, "5.2"},
	{"obs-fold tab", "GET / HTTP/1.1\r\nHost: a\r\nX: b\r\n\tc\r\n\r\n", 400, "5.2"},
	{"leading whitespace first field", "GET / HTTP/1.1\r\n Host: a\r\n\r\n", 400, "2.2"},
	{"empty field name", "GET / HTTP/1.1\r\nHost: a\r\n: b\r\n\r\n", 400, "5"},
	{"no colon", "GET / HTTP/1.1\r\nHost: a\r\nX\r\n\r\n", 400, "5"},
	{"bad byte in name", "GET / HTTP/1.1\r\nHost: a\r\nX(y): b\r\n\r\n", 400, "5"},
	{"NUL in value", "GET / HTTP/1.1\r\nHost: a\r\nX: a\x00b\r\n\r\n", 400, "5.5"},
	{"DEL in value", "GET / HTTP/1.1\r\nHost: a\r\nX: a\x7fb\r\n\r\n", 400, "5.5"},
	{"bare CR in value", "GET / HTTP/1.1\r\nHost: a\r\nX: a\rb\r\n\r\n", 400, "2.2"},
	{"bare LF ends field", "GET / HTTP/1.1\r\nHost: a\nX: b\r\n\r\n", 400, "2.2"},
	{"bare LF ends request line", "GET / HTTP/1.1\nHost: a\r\n\r\n", 400, "2.2"},
	{"bare LF ends head", "GET / HTTP/1.1\r\nHost: a\r\n\n", 400, "2.2"},
	{"missing Host", "GET / HTTP/1.1\r\n\r\n", 400, "3.2"},
	{"two Hosts", "GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n", 400, "3.2"},
	{"two Hosts in 1.0", "GET / HTTP/1.0\r\nHost: a\r\nHost: b\r\n\r\n", 400, "3.2"},
	{"bad Host", "GET / HTTP/1.1\r\nHost: a b\r\n\r\n", 400, "3.2"},
	{"Host with slash", "GET / HTTP/1.1\r\nHost: a/b\r\n\r\n", 400, "3.2"},
	{"lower-case version", "GET / http/1.1\r\nHost: a\r\n\r\n", 400, "2.3"},
	{"version with extra digit", "GET / HTTP/1.10\r\nHost: a\r\n\r\n", 400, "2.3"},
	{"HTTP/2.0", "GET / HTTP/2.0\r\nHost: a\r\n\r\n", 505, "2.3"},
	{"HTTP/0.9 style", "GET /\r\n\r\n", 400, "3"},
	{"two spaces after method", "GET  / HTTP/1.1\r\nHost: a\r\n\r\n", 400, "3"},
	{"space in target", "GET /a b HTTP/1.1\r\nHost: a\r\n\r\n", 400, "3.2"},
	{"trailing space", "GET / HTTP/1.1 \r\nHost: a\r\n\r\n", 400, "3"},
	{"tab separator", "GET\t/ HTTP/1.1\r\nHost: a\r\n\r\n", 400, "3"},
	{"control in target", "GET /\x01 HTTP/1.1\r\nHost: a\r\n\r\n", 400, "3.2"},
	{"fragment in target", "GET /a#b HTTP/1.1\r\nHost: a\r\n\r\n", 400, "3.2 (RFC 3986 4.1: no fragment)"},
	{"non-ASCII target", "GET /\xe9 HTTP/1.1\r\nHost: a\r\n\r\n", 400, "3.2"},
	{"bad method", "G(T / HTTP/1.1\r\nHost: a\r\n\r\n", 400, "3.1"},
	{"empty method", " / HTTP/1.1\r\nHost: a\r\n\r\n", 400, "3.1"},
	{"unknown expectation", "GET / HTTP/1.1\r\nHost: a\r\nExpect: teapot\r\n\r\n", 417, "RFC 9110 10.1.1"},
	{"request line too long", "GET /" + strings.Repeat("a", 9000) + " HTTP/1.1\r\nHost: a\r\n\r\n", 414, "3"},
	{"CONNECT without a port", "CONNECT a HTTP/1.1\r\nHost: a\r\n\r\n", 400, "3.2.3 (RFC 9110 9.3.6: no default port)"},
	{"CONNECT with an empty port", "CONNECT a: HTTP/1.1\r\nHost: a:\r\n\r\n", 400, "3.2.3 (RFC 9110 9.3.6: no default port)"},
	{"CONNECT with origin-form", "CONNECT /a HTTP/1.1\r\nHost: a\r\n\r\n", 400, "3.2.3"},
	{"CONNECT with userinfo", "CONNECT u@a:443 HTTP/1.1\r\nHost: a:443\r\n\r\n", 400, "3.2.3"},
	{"CONNECT to an IP literal", "CONNECT [::1]:443 HTTP/1.1\r\nHost: [::1]:443\r\n\r\n", 0, "3.2.3"},
	{"method too long", strings.Repeat("M", 9000) + " / HTTP/1.1\r\nHost: a\r\n\r\n", 501, "3 (SHOULD 501)"},
	{"method too long, line unfinished", strings.Repeat("M", 9000), 501, "3 (SHOULD 501)"},
	{"long line without a method", strings.Repeat("\x01", 9000) + "\r\n\r\n", 400, "3"},
	{"long line of garbage, unfinished", strings.Repeat("(", 9000), 400, "3"},
	{"Host of whitespace only", "GET / HTTP/1.1\r\nHost: \t \r\n\r\n", 400, "3.2 (RFC 9110 4.2.1)"},
	{"empty Host in 1.0", "GET / HTTP/1.0\r\nHost:\r\n\r\n", 400, "3.2 (RFC 9110 4.2.1)"},
	{"Host list", "GET / HTTP/1.1\r\nHost: a, b\r\n\r\n", 400, "3.2 (RFC 9110 7.2)"},
	{"header section too large", "GET / HTTP/1.1\r\nHost: a\r\nX: " + strings.Repeat("a", 17000) + "\r\n\r\n", 431, "RFC 6585 5"},
	{"too many fields", "GET / HTTP/1.1\r\nHost: a\r\n" + strings.Repeat("X: y\r\n", 100) + "\r\n", 431, "RFC 6585 5"},
}

func statusOf(err error) int {
	var e *http1parse.Error
	if errors.As(err, &e) {
		return e.Status
	}
	return -1
}

func TestRFC9112(t *testing.T) {
	for _, tc := range rfcCases {
		t.Run(tc.name, func(t *testing.T) {
			var p http1parse.Parser
			var r http1parse.Request
			n, err := p.Parse([]byte(tc.in), &r)
			if tc.status == 0 {
				if err != nil {
					t.Fatalf("RFC 9112 §%s: want accepted, got %v", tc.section, err)
				}
				if !strings.HasSuffix(tc.in[:n], "\r\n\r\n") {
					t.Fatalf("consumed %d bytes, not the whole head", n)
				}
				return
			}
			if got := statusOf(err); got != tc.status {
				t.Fatalf("RFC 9112 §%s: want %d, got %v", tc.section, tc.status, err)
			}
		})
	}
}

func TestFramingAndConnectionSemantics(t *testing.T) {
	cases := []struct {
		in        string
		cl        int64
		chunked   bool
		keepAlive bool
		expect    bool
	}{
		{"GET / HTTP/1.1\r\nHost: a\r\n\r\n", -1, false, true, false},
		{"GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n", -1, false, false, false},
		{"GET / HTTP/1.1\r\nHost: a\r\nConnection: Keep-Alive, CLOSE\r\n\r\n", -1, false, false, false},
		{"GET / HTTP/1.0\r\n\r\n", -1, false, false, false},
		{"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", -1, false, true, false},
		{"GET / HTTP/1.0\r\nConnection: keep-alive, close\r\n\r\n", -1, false, false, false},
		{"PUT / HTTP/1.1\r\nHost: a\r\nContent-Length: 12\r\nExpect: 100-Continue\r\n\r\n", 12, false, true, true},
		{"PUT / HTTP/1.0\r\nContent-Length: 12\r\nExpect: 100-continue\r\n\r\n", 12, false, false, false},
		{"PUT / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: Chunked\r\n\r\n", -1, true, true, false},
	}
	for _, tc := range cases {
		var p http1parse.Parser
		var r http1parse.Request
		if _, err := p.Parse([]byte(tc.in), &r); err != nil {
			t.Fatalf("%q: %v", tc.in, err)
		}
		if r.ContentLength != tc.cl || r.Chunked != tc.chunked || r.KeepAlive != tc.keepAlive || r.Expect100 != tc.expect {
			t.Errorf("%q: got cl=%d chunked=%v keepAlive=%v expect=%v", tc.in, r.ContentLength, r.Chunked, r.KeepAlive, r.Expect100)
		}
	}
}

func TestLimitsAreConfigurable(t *testing.T) {
	p := http1parse.Parser{Limits: http1parse.Limits{MaxRequestLine: 16, MaxHeaderBytes: 32, MaxFields: 2}}
	var r http1parse.Request
	for _, tc := range []struct {
		in     string
		status int
	}{
		{"GET /0123456789 HTTP/1.1\r\nHost: a\r\n\r\n", 414},
		{"GET / HTTP/1.1\r\nHost: a\r\nX: 01234567890123456\r\n\r\n", 431},
		{"GET / HTTP/1.1\r\nHost: a\r\nX: 1\r\nY: 2\r\n\r\n", 431},
		{"GET / HTTP/1.1\r\nHost: a\r\nX: 1\r\n\r\n", 0},
	} {
		_, err := p.Parse([]byte(tc.in), &r)
		if got := statusOf(err); tc.status == 0 && err != nil || tc.status != 0 && got != tc.status {
			t.Errorf("%q: want %d, got %v", tc.in, tc.status, err)
		}
	}
}

// TestLimitsApplyBeforeTheHeadEnds shows that an endless line or header
// section is refused once past the limit, without waiting for a CRLF that
// never comes: memory stays bounded by the limits.
func TestLimitsApplyBeforeTheHeadEnds(t *testing.T) {
	var p http1parse.Parser
	var r http1parse.Request
	_, err := p.Parse([]byte("GET /"+strings.Repeat("a", 9000)), &r)
	if statusOf(err) != 414 {
		t.Fatalf("endless request line: got %v", err)
	}
	_, err = p.Parse([]byte("GET / HTTP/1.1\r\nX: "+strings.Repeat("a", 17000)), &r)
	if statusOf(err) != 431 {
		t.Fatalf("endless field: got %v", err)
	}
}
