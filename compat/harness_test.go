package compat_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shio-rt/shio/http1"
)

// A transport names one way of serving a Handler: net/http's server (the
// reference), shio's http1.Server on the reactor (Serve with a
// *net.TCPListener), on its goroutine-per-connection fallback (any other
// listener), and over TLS on the reactor.
type transport string

const (
	netHTTP     transport = "net-http"
	shioReactor transport = "shio-reactor"
	shioFallbck transport = "shio-fallback"
	shioTLS     transport = "shio-tls"
	netHTTPTLS  transport = "net-http-tls"
)

// plainTransports are the transports most tests run on: the reference first.
var plainTransports = []transport{netHTTP, shioReactor, shioFallbck}

// allTransports adds TLS on both servers, for the tests where it is cheap.
var allTransports = []transport{netHTTP, shioReactor, shioFallbck, netHTTPTLS, shioTLS}

func (tr transport) isShio() bool { return strings.HasPrefix(string(tr), "shio") }
func (tr transport) isTLS() bool  { return strings.HasSuffix(string(tr), "tls") }

// server is one running server of a Handler.
type server struct {
	tr     transport
	url    string // scheme://127.0.0.1:port
	addr   string
	client *http.Client
	shio   *http1.Server // nil for net/http
}

// options tunes the servers of one test.
type options struct {
	// maxBody sets shio's MaxBodyBytes (its default, 8 MiB, is a
	// documented difference: net/http has no limit).
	maxBody int64
	// errorLog receives both servers' logs (panics, accept errors).
	errorLog *logBuffer
}

var (
	certOnce sync.Once
	testCert tls.Certificate
	certPool *x509.CertPool
)

// localhostCert makes a self-signed ECDSA certificate for 127.0.0.1, once.
func localhostCert(t *testing.T) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	certOnce.Do(func() {
		key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			panic(err)
		}
		tmpl := &x509.Certificate{
			SerialNumber:          big.NewInt(1),
			Subject:               pkix.Name{CommonName: "compat"},
			NotBefore:             time.Now().Add(-time.Hour),
			NotAfter:              time.Now().Add(24 * time.Hour),
			IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
			DNSNames:              []string{"localhost"},
			KeyUsage:              x509.KeyUsageDigitalSignature,
			ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
			BasicConstraintsValid: true,
			IsCA:                  true,
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
		if err != nil {
			panic(err)
		}
		leaf, err := x509.ParseCertificate(der)
		if err != nil {
			panic(err)
		}
		testCert = tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}
		certPool = x509.NewCertPool()
		certPool.AddCert(leaf)
	})
	return testCert, certPool
}

// fallbackListener hides the *net.TCPListener so that shio's Serve takes its
// goroutine-per-connection path.
type fallbackListener struct{ net.Listener }

// start serves h on tr on a loopback port until the test ends.
func start(t *testing.T, tr transport, h http.Handler, o options) *server {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	s := &server{tr: tr, addr: addr, url: "http://" + addr}
	tr0 := &http.Transport{DisableCompression: true, MaxIdleConnsPerHost: 4}
	var serve func() error
	var stop func()
	switch tr {
	case netHTTP, netHTTPTLS:
		hs := &http.Server{Handler: h}
		if o.errorLog != nil {
			hs.ErrorLog = o.errorLog.logger()
		}
		if tr == netHTTPTLS {
			cert, _ := localhostCert(t)
			hs.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}, NextProtos: []string{"http/1.1"}}
			serve = func() error { return hs.ServeTLS(ln, "", "") }
		} else {
			serve = func() error { return hs.Serve(ln) }
		}
		stop = func() { hs.Close() }
	default:
		ss := &http1.Server{Handler: h, MaxBodyBytes: o.maxBody}
		if o.errorLog != nil {
			ss.ErrorLog = o.errorLog.logger()
		}
		s.shio = ss
		switch tr {
		case shioFallbck:
			fl := fallbackListener{ln}
			serve = func() error { return ss.Serve(fl) }
		case shioTLS:
			cert, _ := localhostCert(t)
			ss.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}}
			serve = func() error { return ss.ServeTLS(ln, "", "") }
		default:
			serve = func() error { return ss.Serve(ln) }
		}
		stop = func() { ss.Close() }
	}
	if tr.isTLS() {
		_, pool := localhostCert(t)
		s.url = "https://" + addr
		tr0.TLSClientConfig = &tls.Config{RootCAs: pool}
	}
	s.client = &http.Client{Transport: tr0, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}
	done := make(chan error, 1)
	go func() { done <- serve() }()
	t.Cleanup(func() {
		tr0.CloseIdleConnections()
		stop()
		if err := <-done; !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("%s: Serve returned %v", tr, err)
		}
	})
	return s
}

// startAll serves h on each transport; the reference (net/http) comes first.
func startAll(t *testing.T, trs []transport, h http.Handler, o options) []*server {
	t.Helper()
	out := make([]*server, len(trs))
	for i, tr := range trs {
		out[i] = start(t, tr, h, o)
	}
	return out
}

// reply is a response read whole: what the comparison looks at.
type reply struct {
	status        int
	header        http.Header
	trailer       http.Header
	body          []byte
	contentLength int64
	chunked       bool
	close         bool
}

// do sends the request that mk builds to s and reads the response whole.
func (s *server) do(t *testing.T, mk func(base string) *http.Request) reply {
	t.Helper()
	req := mk(s.url)
	ctx, cancel := context.WithTimeout(req.Context(), 30*time.Second)
	defer cancel()
	resp, err := s.client.Do(req.WithContext(ctx))
	if err != nil {
		t.Fatalf("%s: %s %s: %v", s.tr, req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s: %s %s: reading the body: %v", s.tr, req.Method, req.URL, err)
	}
	return reply{
		status:        resp.StatusCode,
		header:        resp.Header,
		trailer:       resp.Trailer,
		body:          body,
		contentLength: resp.ContentLength,
		chunked:       slices.Contains(resp.TransferEncoding, "chunked"),
		close:         resp.Close,
	}
}

// varyingFields are the response fields whose values legitimately differ
// between two servers of the same Handler: they are checked for presence on
// both, and their values are not compared.
//
//   - Date: the clock moves between the two requests.
var varyingFields = []string{"Date"}

// normalizer rewrites a reply before it is compared (a multipart boundary,
// a time in the body). Each test names its own, and says why.
type normalizer func(r *reply)

// compare sends the same request to every server and compares each reply
// with the reference's (servers[0]): status, header fields (apart from
// varyingFields), framing (Content-Length or chunked), trailers and body.
func compare(t *testing.T, servers []*server, name string, mk func(base string) *http.Request, norm ...normalizer) []reply {
	t.Helper()
	replies := make([]reply, len(servers))
	for i, s := range servers {
		replies[i] = s.do(t, mk)
		for _, n := range norm {
			n(&replies[i])
		}
	}
	ref := replies[0]
	for i := 1; i < len(replies); i++ {
		if d := diff(ref, replies[i]); d != "" {
			t.Errorf("%s: %s differs from %s:\n%s", name, servers[i].tr, servers[0].tr, d)
		}
	}
	return replies
}

// shioBufferLimit is how much body shio's response holds back before it
// chooses the framing (net/http: 2 KiB). A body between the two, written
// without a Flush, is chunked by net/http and gets a Content-Length from
// shio: a documented difference, which diff accepts.
const shioBufferLimit = 4 << 10

// diff describes how got differs from want, or returns "".
func diff(want, got reply) string {
	var b strings.Builder
	if want.chunked && !got.chunked && got.contentLength == int64(len(got.body)) && len(got.body) <= shioBufferLimit {
		got.header = got.header.Clone()
		got.header.Del("Content-Length")
		got.contentLength, got.chunked = want.contentLength, true
	}
	if want.status != got.status {
		fmt.Fprintf(&b, "  status %d, want %d\n", got.status, want.status)
	}
	headerDiff(&b, "header", want.header, got.header, varyingFields)
	headerDiff(&b, "trailer", want.trailer, got.trailer, nil)
	if want.contentLength != got.contentLength || want.chunked != got.chunked {
		fmt.Fprintf(&b, "  framing: Content-Length %d chunked %v, want %d %v\n",
			got.contentLength, got.chunked, want.contentLength, want.chunked)
	}
	if want.close != got.close {
		fmt.Fprintf(&b, "  connection close %v, want %v\n", got.close, want.close)
	}
	if !bytes.Equal(want.body, got.body) {
		fmt.Fprintf(&b, "  body (%d bytes) %q\n  want (%d bytes) %q\n", len(got.body), clip(got.body), len(want.body), clip(want.body))
	}
	return b.String()
}

func headerDiff(b *strings.Builder, what string, want, got http.Header, varying []string) {
	keys := map[string]bool{}
	for k := range want {
		keys[k] = true
	}
	for k := range got {
		keys[k] = true
	}
	sorted := make([]string, 0, len(keys))
	for k := range keys {
		sorted = append(sorted, k)
	}
	slices.Sort(sorted)
	for _, k := range sorted {
		w, wok := want[k]
		g, gok := got[k]
		switch {
		case wok != gok:
			fmt.Fprintf(b, "  %s %s: %q, want %q\n", what, k, g, w)
		case slices.Contains(varying, k):
		case !slices.Equal(w, g):
			fmt.Fprintf(b, "  %s %s: %q, want %q\n", what, k, g, w)
		}
	}
}

func clip(p []byte) []byte {
	if len(p) > 200 {
		return append(p[:200:200], "..."...)
	}
	return p
}

// get builds a GET request with the given header fields ("Name: value").
func get(path string, fields ...string) func(string) *http.Request {
	return request(http.MethodGet, path, nil, fields...)
}

// request builds a request of method to path with body (nil for none) and
// header fields ("Name: value").
func request(method, path string, body func() io.Reader, fields ...string) func(string) *http.Request {
	return func(base string) *http.Request {
		var r io.Reader
		if body != nil {
			r = body()
		}
		req, err := http.NewRequest(method, base+path, r)
		if err != nil {
			panic(err)
		}
		for _, f := range fields {
			k, v, _ := strings.Cut(f, ": ")
			req.Header.Add(k, v)
		}
		return req
	}
}

// logBuffer collects a server's log lines.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

func (l *logBuffer) logger() *log.Logger { return log.New(l, "", 0) }
