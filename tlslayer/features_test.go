package tlslayer_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"io"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/shio-rt/shio/reactor"
	"github.com/shio-rt/shio/tlslayer"
)

func roundTrip(t *testing.T, addr string, cfg *tls.Config) (tls.ConnectionState, error) {
	t.Helper()
	c, err := tls.Dial("tcp", addr, cfg)
	if err != nil {
		return tls.ConnectionState{}, err
	}
	defer c.Close()
	c.Write([]byte("x"))
	b := make([]byte, 1)
	if _, err := io.ReadFull(c, b); err != nil {
		return tls.ConnectionState{}, err
	}
	return c.ConnectionState(), nil
}

func TestClientCertificates(t *testing.T) {
	cert, pool := testCert(t)
	clientCert, clientPool := testCert(t, "client")
	addr, e := serveEcho(t, &tls.Config{
		Certificates: []tls.Certificate{cert},
		ClientAuth:   tls.RequireAndVerifyClientCert,
		ClientCAs:    clientPool,
	}, 0)
	if _, err := roundTrip(t, addr, &tls.Config{RootCAs: pool, ServerName: "localhost", Certificates: []tls.Certificate{clientCert}}); err != nil {
		t.Fatal(err)
	}
	st := <-e.states
	if len(st.PeerCertificates) == 0 || st.PeerCertificates[0].Subject.CommonName != "client" || len(st.VerifiedChains) == 0 {
		t.Fatalf("server saw peer certificates %v", st.PeerCertificates)
	}
	if _, err := roundTrip(t, addr, &tls.Config{RootCAs: pool, ServerName: "localhost"}); err == nil {
		t.Fatal("a client without a certificate was served")
	}
}

func TestSessionResumption(t *testing.T) {
	cert, pool := testCert(t)
	for _, v := range []uint16{tls.VersionTLS12, tls.VersionTLS13} {
		t.Run(tls.VersionName(v), func(t *testing.T) {
			addr, _ := serveEcho(t, &tls.Config{Certificates: []tls.Certificate{cert}}, 0)
			cfg := &tls.Config{RootCAs: pool, ServerName: "localhost", MaxVersion: v, ClientSessionCache: tls.NewLRUClientSessionCache(4)}
			if st, err := roundTrip(t, addr, cfg); err != nil || st.DidResume {
				t.Fatalf("first: %v, resumed %v", err, st.DidResume)
			}
			st, err := roundTrip(t, addr, cfg)
			if err != nil || !st.DidResume {
				t.Fatalf("second: %v, resumed %v", err, st.DidResume)
			}
		})
	}
}

// TestCertificateByName: GetCertificate picks by SNI and may return a new
// certificate at any time (a reload without restart).
func TestCertificateByName(t *testing.T) {
	a, poolA := testCert(t, "a.test")
	b, poolB := testCert(t, "b.test")
	var current atomic.Pointer[tls.Certificate]
	current.Store(&a)
	addr, _ := serveEcho(t, &tls.Config{GetCertificate: func(h *tls.ClientHelloInfo) (*tls.Certificate, error) {
		if h.ServerName == "b.test" {
			return &b, nil
		}
		return current.Load(), nil
	}}, 0)
	if _, err := roundTrip(t, addr, &tls.Config{RootCAs: poolA, ServerName: "a.test"}); err != nil {
		t.Fatal(err)
	}
	if _, err := roundTrip(t, addr, &tls.Config{RootCAs: poolB, ServerName: "b.test"}); err != nil {
		t.Fatal(err)
	}
	current.Store(&b) // reload
	if _, err := roundTrip(t, addr, &tls.Config{RootCAs: poolB, ServerName: "b.test"}); err != nil {
		t.Fatal(err)
	}
	if _, err := roundTrip(t, addr, &tls.Config{RootCAs: poolA, ServerName: "a.test"}); err == nil {
		t.Fatal("old certificate served after the reload")
	}
}

func TestConfigForClient(t *testing.T) {
	cert, pool := testCert(t)
	var remote atomic.Value
	addr, _ := serveEcho(t, &tls.Config{GetConfigForClient: func(h *tls.ClientHelloInfo) (*tls.Config, error) {
		remote.Store(h.Conn.RemoteAddr().String())
		return &tls.Config{Certificates: []tls.Certificate{cert}, MaxVersion: tls.VersionTLS12}, nil
	}}, 0)
	st, err := roundTrip(t, addr, &tls.Config{RootCAs: pool, ServerName: "localhost"})
	if err != nil {
		t.Fatal(err)
	}
	if st.Version != tls.VersionTLS12 {
		t.Fatalf("version %x: the per-client config was not used", st.Version)
	}
	if r, _ := remote.Load().(string); !strings.HasPrefix(r, "127.0.0.1:") {
		t.Fatalf("ClientHelloInfo.Conn.RemoteAddr = %q", r)
	}
}

func TestALPNMismatchGetsAlert(t *testing.T) {
	cert, pool := testCert(t)
	addr, _ := serveEcho(t, &tls.Config{Certificates: []tls.Certificate{cert}, NextProtos: []string{"http/1.1"}}, 0)
	_, err := roundTrip(t, addr, &tls.Config{RootCAs: pool, ServerName: "localhost", NextProtos: []string{"h2"}})
	if err == nil || !strings.Contains(err.Error(), "no application protocol") {
		t.Fatalf("h2-only client: %v, want a no_application_protocol alert", err)
	}
	st, err := roundTrip(t, addr, &tls.Config{RootCAs: pool, ServerName: "localhost", NextProtos: []string{"h2", "http/1.1"}})
	if err != nil || st.NegotiatedProtocol != "http/1.1" {
		t.Fatalf("%v, negotiated %q", err, st.NegotiatedProtocol)
	}
}

// greeter writes a banner as soon as the connection opens, before the
// handshake: the layer holds it until the handshake is done.
type greeter struct{ echo }

func (g *greeter) OnOpen(c *reactor.Conn) {
	g.echo.OnOpen(c)
	c.Write([]byte("hello\n"))
}

func TestEarlyWriteWaitsForHandshake(t *testing.T) {
	cert, pool := testCert(t)
	g := &greeter{echo{hs: &tlslayer.Handshaker{TLS: &tls.Config{Certificates: []tls.Certificate{cert}}}}}
	r, err := reactor.New(reactor.Config{Loops: 1}, g)
	if err != nil {
		t.Fatal(err)
	}
	defer g.hs.Wait()
	defer r.Close()
	ln, _ := r.Listen("tcp", "127.0.0.1:0")
	c, err := tls.Dial("tcp", ln.Addr().String(), &tls.Config{RootCAs: pool, ServerName: "localhost"})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	b := make([]byte, 6)
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.ReadFull(c, b); err != nil || string(b) != "hello\n" {
		t.Fatalf("banner %q, %v", b, err)
	}
}

// dialer is a client-side handler: it starts TLS on a dialled connection
// and collects what it reads.
type dialer struct {
	hs   *tlslayer.Handshaker
	got  chan []byte
	tl   chan *tlslayer.Conn
	done chan error
}

func (d *dialer) OnOpen(c *reactor.Conn) {
	l := d.hs.Client(c)
	c.Attach(l)
	d.tl <- l
	c.Write([]byte("ping"))
}
func (d *dialer) OnData(c *reactor.Conn, data []byte) int {
	d.got <- append([]byte(nil), data...)
	return len(data)
}
func (d *dialer) OnClose(c *reactor.Conn, err error) {
	c.Attachment().(*tlslayer.Conn).Close()
	d.done <- err
}

func TestClientLayer(t *testing.T) {
	cert, pool := testCert(t)
	addr, _ := serveEcho(t, &tls.Config{Certificates: []tls.Certificate{cert}}, 0)
	d := &dialer{
		hs:   &tlslayer.Handshaker{TLS: &tls.Config{RootCAs: pool, ServerName: "localhost"}},
		got:  make(chan []byte, 16),
		tl:   make(chan *tlslayer.Conn, 1),
		done: make(chan error, 1),
	}
	r, err := reactor.New(reactor.Config{Loops: 1}, d)
	if err != nil {
		t.Fatal(err)
	}
	defer d.hs.Wait()
	defer r.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := r.Dial(ctx, "tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	l := <-d.tl
	if err := l.Handshake(ctx); err != nil {
		t.Fatal(err)
	}
	if st := l.ConnectionState(); !st.HandshakeComplete || len(st.PeerCertificates) == 0 {
		t.Fatal("client state incomplete")
	}
	var got []byte
	for len(got) < 4 {
		got = append(got, <-d.got...)
	}
	if string(got) != "ping" {
		t.Fatalf("echo %q", got)
	}
	c.Close()
	<-d.done

	// A server the client does not trust: Handshake reports it.
	d.hs = &tlslayer.Handshaker{TLS: &tls.Config{RootCAs: x509.NewCertPool(), ServerName: "localhost"}}
	if _, err := r.Dial(ctx, "tcp", addr); err != nil {
		t.Fatal(err)
	}
	l = <-d.tl
	if err := l.Handshake(ctx); err == nil {
		t.Fatal("untrusted server accepted")
	}
	<-d.done // with the error, or nil if the server's FIN came first
	d.hs.Wait()
}
