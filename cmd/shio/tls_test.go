package main

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/shio-rt/shio/http1"
)

func TestServeTLSFlags(t *testing.T) {
	if _, _, err := serveTLSConfig("a.pem", "", false); err == nil {
		t.Error("--cert without --key accepted")
	}
	if _, _, err := serveTLSConfig("a.pem", "b.pem", true); err == nil {
		t.Error("--self-signed with --cert accepted")
	}
	cfg, line, err := serveTLSConfig("", "", true)
	if err != nil {
		t.Fatal(err)
	}
	_, fp, _ := strings.Cut(line, "SHA-256 fingerprint ")
	if len(cfg.Certificates) != 1 || len(fp) != 32*3-1 || strings.Count(fp, ":") != 31 {
		t.Fatalf("self-signed: %d certificates, line %q", len(cfg.Certificates), line)
	}
	if cfg, _, err := serveTLSConfig("", "", false); cfg != nil || err != nil {
		t.Fatalf("no TLS flags: %v, %v", cfg, err)
	}
}

// TestBenchHTTPS: shio bench loads an HTTPS server with either dialer;
// without --insecure a self-signed server is refused.
func TestBenchHTTPS(t *testing.T) {
	cert, err := selfSignedCert()
	if err != nil {
		t.Fatal(err)
	}
	s := &http1.Server{
		TLSConfig: &tls.Config{Certificates: []tls.Certificate{cert}},
		Handler:   http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok")) }),
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- s.ServeTLS(ln, "", "") }()
	defer func() {
		s.Shutdown(context.Background())
		if err := <-done; !errors.Is(err, http.ErrServerClosed) {
			t.Error(err)
		}
	}()
	u := "https://" + ln.Addr().String() + "/"
	for _, d := range []string{"shio", "net"} {
		code, out, errOut := shio(t, "bench", u, "--insecure", "--dialer", d, "-c", "2", "-n", "20")
		if code != 0 || !strings.Contains(out, "200 ×20") {
			t.Errorf("--dialer %s: exit %d\n%s\n%s", d, code, out, errOut)
		}
	}
	if code, _, errOut := shio(t, "bench", u, "-c", "1", "-n", "1"); code == 0 || !strings.Contains(errOut, "certificate") {
		t.Errorf("self-signed server without --insecure: exit %d, %q", code, errOut)
	}
}
