package tcp_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"io"
	"math/big"
	"net"
	"testing"
	"time"

	"github.com/shio-rt/shio/reactor"
	"github.com/shio-rt/shio/tcp"
	"github.com/shio-rt/shio/tlslayer"
	"golang.org/x/net/nettest"
)

// tlsPair returns a server config with a self-signed certificate for
// 127.0.0.1 and a client config that trusts it.
func tlsPair(t *testing.T) (server, client *tls.Config) {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "shio tcp test"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}},
		&tls.Config{RootCAs: pool}
}

func TestTLSConnPassesNettest(t *testing.T) {
	scfg, ccfg := tlsPair(t)
	nettest.TestConn(t, func() (c1, c2 net.Conn, stop func(), err error) {
		n, err := tcp.New(reactor.Config{Loops: 2})
		if err != nil {
			return nil, nil, nil, err
		}
		ln, err := n.ListenTLS("tcp", "127.0.0.1:0", scfg)
		if err != nil {
			n.Close()
			return nil, nil, nil, err
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		d, err := n.DialTLS(ctx, "tcp", ln.Addr().String(), ccfg)
		if err != nil {
			n.Close()
			return nil, nil, nil, err
		}
		a, err := ln.Accept()
		if err != nil {
			n.Close()
			return nil, nil, nil, err
		}
		return d, a, func() { d.Close(); a.Close(); ln.Close(); n.Close() }, nil
	})
}

// TestTLSInteroperates: a tcp TLS listener serves Go's crypto/tls client,
// and a tcp TLS dialer talks to a crypto/tls server.
func TestTLSInteroperates(t *testing.T) {
	scfg, ccfg := tlsPair(t)
	ln, err := tcp.ListenTLS("tcp", "127.0.0.1:0", scfg)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		io.Copy(c, c)
	}()
	c, err := tls.Dial("tcp", ln.Addr().String(), ccfg)
	if err != nil {
		t.Fatal(err)
	}
	c.Write([]byte("hello"))
	b := make([]byte, 5)
	if _, err := io.ReadFull(c, b); err != nil || string(b) != "hello" {
		t.Fatalf("%q, %v", b, err)
	}
	c.Close()

	sl, err := tls.Listen("tcp", "127.0.0.1:0", scfg)
	if err != nil {
		t.Fatal(err)
	}
	defer sl.Close()
	done := make(chan struct{})
	go func() {
		defer close(done)
		c, err := sl.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		io.Copy(c, c)
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	d, err := tcp.DialTLS(ctx, "tcp", sl.Addr().String(), ccfg)
	if err != nil {
		t.Fatal(err)
	}
	if !d.ConnectionState().HandshakeComplete {
		t.Fatal("DialTLS returned before the handshake")
	}
	d.Write([]byte("world"))
	if _, err := io.ReadFull(d, b); err != nil || string(b) != "world" {
		t.Fatalf("%q, %v", b, err)
	}
	d.Close()
	<-done

	// An untrusted server: DialTLS fails.
	go func() {
		c, err := sl.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		c.(*tls.Conn).Handshake()
	}()
	if _, err := tcp.DialTLS(ctx, "tcp", sl.Addr().String(), &tls.Config{RootCAs: x509.NewCertPool()}); err == nil {
		t.Fatal("untrusted server accepted")
	}
	if _, err := ln.ServeEvents(nil); !errors.Is(err, tcp.ErrTLSEvents) {
		t.Fatalf("ServeEvents on a TLS listener: %v", err)
	}
}

// TestDialTLSCancellation: DialTLS to a server that never answers the
// ClientHello returns ctx.Err() once ctx ends and leaves no connection
// (the server sees it closed).
func TestDialTLSCancellation(t *testing.T) {
	_, ccfg := tlsPair(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, err := ln.Accept()
		if err == nil {
			accepted <- c
		}
	}()
	n, err := tcp.New(reactor.Config{Loops: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if _, err := n.DialTLS(ctx, "tcp", ln.Addr().String(), ccfg); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("DialTLS: %v, want the context's error", err)
	}
	s := <-accepted
	defer s.Close()
	s.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.Copy(io.Discard, s); err != nil {
		t.Fatalf("the abandoned connection was not closed: %v", err)
	}
}

// TestListenHandshakerBoundsHandshakes: a listener's Handshaker sets its
// handshakes' bounds. With one slot, a peer that sends half a ClientHello
// and stalls is closed within the timeout (which runs from its first
// byte; ListenTLS's connections have no read deadline to bound it), a
// client that stalls after a whole ClientHello holds the slot only until
// another waits for it, and that client is then served.
func TestListenHandshakerBoundsHandshakes(t *testing.T) {
	scfg, ccfg := tlsPair(t)
	hs := &tlslayer.Handshaker{TLS: scfg, Timeout: 2 * time.Second, MaxHandshakes: 1}
	ln, err := tcp.ListenHandshaker("tcp", "127.0.0.1:0", hs)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() { defer c.Close(); io.Copy(c, c) }()
		}
	}()
	addr := ln.Addr().String()

	// The first record of a Go client's handshake.
	p1, p2 := net.Pipe()
	go tls.Client(p1, &tls.Config{ServerName: "localhost"}).Handshake()
	hdr := make([]byte, 5)
	io.ReadFull(p2, hdr)
	body := make([]byte, int(hdr[3])<<8|int(hdr[4]))
	io.ReadFull(p2, body)
	p1.Close()
	p2.Close()
	hello := append(hdr, body...)

	waitClosed := func(c net.Conn, what string) {
		t.Helper()
		c.SetReadDeadline(time.Now().Add(10 * time.Second))
		start := time.Now()
		_, err := io.Copy(io.Discard, c)
		if ne, ok := err.(net.Error); ok && ne.Timeout() {
			t.Fatalf("%s: held for %v", what, time.Since(start))
		}
	}
	half, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer half.Close()
	half.Write(hello[:len(hello)/2])
	waitClosed(half, "a client that sent half its ClientHello")

	stalled, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer stalled.Close()
	stalled.Write(hello)
	for deadline := time.Now().Add(10 * time.Second); hs.Active() != 1; {
		if time.Now().After(deadline) {
			t.Fatalf("the stalled client's handshake did not start")
		}
		time.Sleep(5 * time.Millisecond)
	}
	good, err := tls.DialWithDialer(&net.Dialer{Timeout: 10 * time.Second}, "tcp", addr, ccfg)
	if err != nil {
		t.Fatalf("a client behind a stalled one: %v", err)
	}
	defer good.Close()
	good.Write([]byte("ok"))
	b := make([]byte, 2)
	if _, err := io.ReadFull(good, b); err != nil || string(b) != "ok" {
		t.Fatalf("echo %q, %v", b, err)
	}
	waitClosed(stalled, "a client that stalled after its ClientHello")
}
