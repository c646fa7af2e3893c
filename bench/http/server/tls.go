package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime"
	"runtime/pprof"
	"syscall"
	"time"

	"github.com/shio-rt/shio/http1"
)

// selfSigned returns an in-memory ECDSA P-256 certificate for 127.0.0.1.
func selfSigned() tls.Certificate {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		panic(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "bench"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		DNSNames:     []string{"localhost"},
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		panic(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

// serveTLS serves HTTPS, HTTP/1.1 only on both sides, with the same
// certificate and tls.Config, and the same handler as without TLS (hello,
// and bulk's shapes).
func serveTLS(impl string, ln net.Listener, h http.Handler) error {
	cfg := &tls.Config{Certificates: []tls.Certificate{selfSigned()}, NextProtos: []string{"http/1.1"}}
	switch impl {
	// No idle timeout, as net/http's zero: idleclient's 19,000 handshakes
	// can take longer than http1's default minute on a loaded machine.
	case "shio":
		return (&http1.Server{Handler: h, TLSConfig: cfg, MaxBodyBytes: -1, IdleTimeout: -1}).ServeTLS(ln, "", "")
	case "shio-fallback":
		return (&http1.Server{Handler: h, TLSConfig: cfg, MaxBodyBytes: -1, IdleTimeout: -1}).ServeTLS(fallbackListener{ln}, "", "")
	case "net-http":
		s := &http.Server{Handler: h, TLSConfig: cfg, TLSNextProto: map[string]func(*http.Server, *tls.Conn, http.Handler){}}
		return s.ServeTLS(ln, "", "")
	}
	return fmt.Errorf("-tls: unsupported -impl %q", impl)
}

// printStatsOnSignal prints the heap in use and the goroutine count to
// stderr on every SIGUSR1 (after a GC), for idleclient's measurements,
// and writes a heap profile to $HEAPPROFILE if set.
func printStatsOnSignal() {
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, syscall.SIGUSR1)
	go func() {
		for range ch {
			runtime.GC()
			var m runtime.MemStats
			runtime.ReadMemStats(&m)
			fmt.Fprintf(os.Stderr, "heap_inuse=%d heap_alloc=%d stack_inuse=%d goroutines=%d\n",
				m.HeapInuse, m.HeapAlloc, m.StackInuse, runtime.NumGoroutine())
			if path := os.Getenv("HEAPPROFILE"); path != "" {
				if f, err := os.Create(path); err == nil {
					pprof.WriteHeapProfile(f)
					f.Close()
				}
			}
		}
	}()
}
