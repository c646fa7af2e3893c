package tlslayer_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/shio-rt/shio/reactor"
	"github.com/shio-rt/shio/tlslayer"
)

// testCert returns a certificate for localhost and 127.0.0.1 signed by
// a fresh CA, and a pool holding that CA.
func testCert(t testing.TB, names ...string) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	cert, pool, err := makeCert(names...)
	if err != nil {
		t.Fatal(err)
	}
	return cert, pool
}

func makeCert(names ...string) (tls.Certificate, *x509.CertPool, error) {
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	ca := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "shio test CA"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IsCA:                  true,
		KeyUsage:              x509.KeyUsageCertSign,
		BasicConstraintsValid: true,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, ca, ca, &caKey.PublicKey, caKey)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	caCert, _ := x509.ParseCertificate(caDER)
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if len(names) == 0 {
		names = []string{"localhost"}
	}
	leaf := &x509.Certificate{
		SerialNumber: big.NewInt(2),
		Subject:      pkix.Name{CommonName: names[0]},
		DNSNames:     names,
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, leaf, caCert, &key.PublicKey, caKey)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	pool := x509.NewCertPool()
	pool.AddCert(caCert)
	return tls.Certificate{Certificate: [][]byte{der, caDER}, PrivateKey: key}, pool, nil
}

// echo is a reactor handler that serves TLS and echoes the plaintext.
type echo struct {
	hs     *tlslayer.Handshaker
	mu     sync.Mutex
	closed []error
	states chan tls.ConnectionState
}

func (e *echo) OnOpen(c *reactor.Conn) { c.Attach(e.hs.Server(c)) }

func (e *echo) OnData(c *reactor.Conn, data []byte) int {
	{
		select {
		case e.states <- c.Attachment().(*tlslayer.Conn).ConnectionState():
		default:
		}
	}
	c.Write(data)
	return len(data)
}

func (e *echo) OnClose(c *reactor.Conn, err error) {
	c.Attachment().(*tlslayer.Conn).Close()
	e.mu.Lock()
	e.closed = append(e.closed, err)
	e.mu.Unlock()
}

// serveEcho starts a reactor serving TLS echo on loopback with cfg and
// returns its address. The reactor and the handshaker are shut down at
// the end of the test.
func serveEcho(t testing.TB, cfg *tls.Config, timeout time.Duration) (string, *echo) {
	t.Helper()
	return serveEchoWith(t, &tlslayer.Handshaker{TLS: cfg, Timeout: timeout})
}

// serveEchoWith is serveEcho with a handshaker of the test's own.
func serveEchoWith(t testing.TB, hs *tlslayer.Handshaker) (string, *echo) {
	t.Helper()
	e := &echo{hs: hs, states: make(chan tls.ConnectionState, 1)}
	r, err := reactor.New(reactor.Config{Loops: 2}, e)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := r.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		r.Close()
		e.hs.Wait()
	})
	return ln.Addr().String(), e
}
