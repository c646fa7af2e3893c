package http1_test

import (
	"bufio"
	"bytes"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/shio-rt/shio/http1"
)

// view is what a Handler can see of a request head and body.
type view struct {
	Method, RequestURI, URL, Host string
	ProtoMinor                    int
	Header                        http.Header
	ContentLength                 int64
	TransferEncoding              []string
	Close                         bool
	Body                          string
	BodyErr                       bool
	Trailer                       http.Header
}

func viewOf(r *http.Request) view {
	b, err := io.ReadAll(r.Body)
	minor := min(r.ProtoMinor, 1)
	return view{r.Method, r.RequestURI, r.URL.String(), r.Host, minor, r.Header, r.ContentLength,
		r.TransferEncoding, r.Close, string(b), err != nil, r.Trailer}
}

// compare checks the differential property on raw: shio and net/http agree
// on the request, or shio refuses it.
func compare(t *testing.T, raw []byte) {
	t.Helper()
	ours, err := http1.ReadRequest(raw)
	if err != nil {
		return // shio refuses: at least as strict
	}
	// net/http's Server discards leading CR and LF bytes before ReadRequest
	// (RFC 9112 section 2.2); so does shio, for CRLF pairs only.
	trimmed := raw
	for bytes.HasPrefix(trimmed, []byte("\r\n")) {
		trimmed = trimmed[2:]
	}
	theirs, err := http.ReadRequest(bufio.NewReader(bytes.NewReader(trimmed)))
	if err != nil {
		t.Fatalf("shio accepts what net/http refuses (%v):\n%q", err, raw)
	}
	a, b := viewOf(ours), viewOf(theirs)
	if a.BodyErr && (!b.BodyErr || strings.HasPrefix(b.Body, a.Body)) {
		// shio refuses the body where net/http takes it, or refuses it
		// sooner (a chunk net/http reads leniently): stricter. The heads
		// must still agree.
		a.Body, a.BodyErr, a.Trailer = b.Body, b.BodyErr, b.Trailer
	}
	if !reflect.DeepEqual(a, b) {
		t.Fatalf("shio and net/http disagree on\n%q\nshio:     %+v\nnet/http: %+v", raw, a, b)
	}
}

var differentialSeeds = []string{
	"GET / HTTP/1.1\r\nHost: a\r\n\r\n",
	"GET /p?q=1&r=%20 HTTP/1.1\r\nHost: example.com:8080\r\nAccept: */*\r\nAccept: text/html\r\nuser-agent: x\r\n\r\n",
	"GET http://a.example/b?c HTTP/1.1\r\nHost: ignored\r\n\r\n",
	"OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n",
	"CONNECT a:443 HTTP/1.1\r\nHost: a:443\r\n\r\n",
	"GET / HTTP/1.0\r\n\r\n",
	"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
	"GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n",
	"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello",
	"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhel",
	"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
	"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nTrailer: X-Sum\r\n\r\n5\r\nhello\r\n0\r\nX-Sum: 9\r\n\r\n",
	"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n0\r\n\r\n",
	"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhelloXX0\r\n\r\n",
	"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\nabc",
	"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\nx",
	"GET / HTTP/1.1\r\nHost: a\r\nX: a\r\n b\r\n\r\n",
	"GET / HTTP/1.1\r\nHost : a\r\n\r\n",
	"GET / HTTP/1.1\nHost: a\n\n",
	"GET /%zz HTTP/1.1\r\nHost: a\r\n\r\n",
	"GET / HTTP/1.1\r\nHost: a\r\nX:  spaced value \t\r\n\r\n",
	"GET / HTTP/1.1\r\nHost: a\r\nCookie: a=1\r\nCookie: b=2\r\n\r\n",
	"\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n",
}

func TestDifferentialAgainstNetHTTP(t *testing.T) {
	for _, s := range differentialSeeds {
		compare(t, []byte(s))
	}
	// The parser's fuzz corpus too.
	files, _ := filepath.Glob("internal/http1parse/testdata/fuzz/FuzzParse/*")
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if raw, ok := corpusBytes(b); ok {
			compare(t, raw)
		}
	}
}

// corpusBytes extracts the []byte value of a "go test fuzz v1" file.
func corpusBytes(file []byte) ([]byte, bool) {
	lines := strings.SplitN(string(file), "\n", 3)
	if len(lines) < 2 || !strings.HasPrefix(lines[1], "[]byte(") {
		return nil, false
	}
	s := strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(lines[1]), "[]byte("), ")")
	v, err := strconv.Unquote(s)
	return []byte(v), err == nil
}

// TestDifferentialAcceptsWhatNetHTTPAccepts lists requests both must take, so
// that "shio refuses" cannot hide a broken parser.
func TestDifferentialAcceptsWhatNetHTTPAccepts(t *testing.T) {
	for _, s := range differentialSeeds[:13] {
		if _, err := http1.ReadRequest([]byte(s)); err != nil {
			t.Errorf("shio refuses a valid request (%v):\n%q", err, s)
		}
	}
}

func FuzzDifferential(f *testing.F) {
	for _, s := range differentialSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) { compare(t, raw) })
}
