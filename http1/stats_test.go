package http1_test

import (
	"errors"
	"net"
	"net/http"
	"sync/atomic"
	"testing"

	"github.com/shio-rt/shio/http1"
)

// flakyListener fails its first accepts as a listener at the descriptor
// limit does (a temporary error), then accepts.
type flakyListener struct {
	net.Listener
	fails atomic.Int32
}

type tempError struct{}

func (tempError) Error() string   { return "accept: too many open files" }
func (tempError) Timeout() bool   { return true }
func (tempError) Temporary() bool { return true }

func (l *flakyListener) Accept() (net.Conn, error) {
	if l.fails.Add(-1) >= 0 {
		return nil, tempError{}
	}
	return l.Listener.Accept()
}

// TestStatsCountAcceptErrorsNotPanicsAsRejected: an operator at the
// descriptor limit sees AcceptErrors grow; Rejected counts refused
// requests only, not Handler panics.
func TestStatsCountAcceptErrorsNotPanicsAsRejected(t *testing.T) {
	s := &http1.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/panic" {
			panic("boom")
		}
		hello(w, r)
	})}
	inner, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ln := &flakyListener{Listener: inner}
	ln.fails.Store(3)
	done := make(chan error, 1)
	go func() { done <- s.Serve(ln) }()
	defer func() {
		s.Close()
		if err := <-done; !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("Serve returned %v", err)
		}
	}()
	c := dial(t, inner.Addr().String())
	c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	if res, _ := c.response("GET"); res.StatusCode != 200 {
		t.Fatal(res.Status)
	}
	c.send("GET /panic HTTP/1.1\r\nHost: x\r\n\r\n")
	if res, _ := c.response("GET"); res.StatusCode != 500 {
		t.Fatal(res.Status)
	}
	st := s.Stats()
	if st.AcceptErrors != 3 || st.Panics != 1 || st.Rejected != 0 {
		t.Fatalf("stats %+v: want AcceptErrors 3, Panics 1, Rejected 0", st)
	}
}
