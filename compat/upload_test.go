package compat_test

import (
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"testing"
	"time"
)

// uploadSize is the size of the uploads: 50 MB.
const uploadSize = 50 << 20

// uploadBody is a reader of uploadSize pseudo-random bytes, the same for
// every server: a 1 MiB block from seed, repeated, each repetition stamped
// with its index in its first byte (so a lost, repeated or reordered block
// changes the hash). Made of copies, not bytes one by one, which the
// race detector would slow to seconds per upload.
func uploadBody(seed uint64, withLength bool) func() io.Reader {
	return func() io.Reader {
		var r io.Reader = &blockReader{block: uploadBlock(seed)}
		if withLength {
			return &sizedReader{r, uploadSize} // Content-Length
		}
		return r // unknown length: the client sends it chunked
	}
}

const blockSize = 1 << 20

func uploadBlock(seed uint64) []byte {
	rnd := rand.New(rand.NewPCG(seed, seed))
	b := make([]byte, blockSize)
	for i := 0; i < len(b); i += 8 {
		binary.LittleEndian.PutUint64(b[i:], rnd.Uint64())
	}
	return b
}

type blockReader struct {
	block []byte
	off   int
}

func (r *blockReader) Read(p []byte) (int, error) {
	if r.off >= uploadSize {
		return 0, io.EOF
	}
	in := r.off % blockSize
	n := copy(p[:min(len(p), uploadSize-r.off)], r.block[in:])
	if in == 0 && n > 0 {
		// A Read never crosses a block's end, so each block's first byte
		// starts one, whatever the reader's buffer size.
		p[0] ^= byte(r.off / blockSize)
	}
	r.off += n
	return n, nil
}

// sizedReader tells http.NewRequest its length (a *bytes.Reader would do,
// but would hold 50 MB).
type sizedReader struct {
	io.Reader
	n int
}

func (s *sizedReader) Len() int { return s.n }

// TestUploads50MB hashes 50 MB uploads, with Content-Length and chunked,
// and compares the answers (the SHA-256 and the size the handler read).
// Each upload must finish within a generous bound, under the race detector
// on a loaded machine. shio's MaxBodyBytes (8 MiB by default; net/http has
// no limit) is raised for it.
func TestUploads50MB(t *testing.T) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sum := sha256.New()
		n, err := io.Copy(sum, r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		fmt.Fprintf(w, "%d %x", n, sum.Sum(nil))
	})
	servers := startAll(t, plainTransports, h, options{maxBody: 64 << 20})
	want := sha256.New()
	io.Copy(want, uploadBody(9, false)())
	wantBody := fmt.Sprintf("%d %x", uploadSize, want.Sum(nil))
	for _, withLength := range []bool{true, false} {
		name := map[bool]string{true: "Content-Length", false: "chunked"}[withLength]
		start := time.Now()
		replies := compare(t, servers, name, request(http.MethodPost, "/", uploadBody(9, withLength)))
		if string(replies[0].body) != wantBody {
			t.Errorf("%s: net/http's handler read %q, want %q", name, replies[0].body, wantBody)
		}
		if d := time.Since(start); d > 90*time.Second {
			t.Errorf("%s: three uploads took %v", name, d)
		}
	}
}

// TestDefaultBodyLimit: shio refuses a body over MaxBodyBytes (8 MiB by
// default) where net/http reads it all: a declared length gets 413 before
// the handler runs, and a chunked body fails the handler's Read with an
// *http.MaxBytesError. A documented difference.
func TestDefaultBodyLimit(t *testing.T) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, err := io.Copy(io.Discard, r.Body)
		var mbe *http.MaxBytesError
		if err != nil {
			if !asMaxBytes(err, &mbe) {
				t.Errorf("read error %T %v, want *http.MaxBytesError", err, err)
			}
			http.Error(w, "too large", http.StatusRequestEntityTooLarge)
			return
		}
		fmt.Fprint(w, n)
	})
	for _, tr := range []transport{shioReactor, shioFallbck} {
		s := start(t, tr, h, options{})
		for _, chunked := range []bool{false, true} {
			body := func() io.Reader {
				r := io.LimitReader(&blockReader{block: uploadBlock(1)}, 9<<20)
				if chunked {
					return r
				}
				return &sizedReader{r, 9 << 20}
			}
			r := s.do(t, request(http.MethodPost, "/", body))
			if r.status != http.StatusRequestEntityTooLarge {
				t.Errorf("%s chunked=%v: status %d, want 413", tr, chunked, r.status)
			}
		}
	}
}

// TestClientGoneEndsContext: a client that leaves while the handler runs
// ends the request's context, on every server, whether the request had no
// body or the handler had read it all; by FIN (close) or by reset. (A body
// left unread: shio's reactor notices too, net/http and shio's fallback
// do not — their background read starts only at the body's end.)
func TestClientGoneEndsContext(t *testing.T) {
	type result struct {
		path string
		done bool
	}
	for _, tr := range allTransports {
		started := make(chan string, 1)
		results := make(chan result, 1)
		h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/read" || r.URL.Path == "/read-reset" {
				io.Copy(io.Discard, r.Body)
			}
			started <- r.URL.Path
			select {
			case <-r.Context().Done():
				results <- result{r.URL.Path, true}
			case <-time.After(20 * time.Second):
				results <- result{r.URL.Path, false}
			}
		})
		s := start(t, tr, h, options{})
		cases := []struct {
			path  string
			body  string
			reset bool
		}{
			{"/nobody", "", false},
			{"/read", "0123456789", false},
			{"/nobody-reset", "", true},
			{"/read-reset", "0123456789", true},
		}
		if tr == shioReactor {
			cases = append(cases, struct {
				path  string
				body  string
				reset bool
			}{"/unread", "0123456789", false})
		}
		for _, c := range cases {
			conn := dialServer(t, s)
			method := "GET"
			if c.body != "" {
				method = "POST"
			}
			fmt.Fprintf(conn, "%s %s HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n%s", method, c.path, len(c.body), c.body)
			if got := <-started; got != c.path {
				t.Fatalf("%s: handler started %s, want %s", tr, got, c.path)
			}
			if c.reset {
				raw := conn
				if tc, ok := conn.(*tls.Conn); ok {
					raw = tc.NetConn()
				}
				raw.(*net.TCPConn).SetLinger(0)
			}
			conn.Close()
			if r := <-results; !r.done {
				t.Errorf("%s %s: the handler's context did not end within 20s of the client leaving", tr, c.path)
			}
		}
	}
}

// dialServer opens a raw connection to s (TLS when s is).
func dialServer(t *testing.T, s *server) net.Conn {
	t.Helper()
	conn, err := net.Dial("tcp", s.addr)
	if err != nil {
		t.Fatal(err)
	}
	if s.tr.isTLS() {
		_, pool := localhostCert(t)
		tc := tlsClient(conn, pool)
		if err := tc.Handshake(); err != nil {
			t.Fatal(err)
		}
		return tc
	}
	return conn
}

func tlsClient(conn net.Conn, pool *x509.CertPool) *tls.Conn {
	return tls.Client(conn, &tls.Config{RootCAs: pool, ServerName: "127.0.0.1", NextProtos: []string{"http/1.1"}})
}

func asMaxBytes(err error, target **http.MaxBytesError) bool { return errors.As(err, target) }
