package ws_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/shio-rt/shio/http1"
	"github.com/shio-rt/shio/ws"
)

// This file is WebSocket over TLS end to end: shio's server upgraded on
// an HTTPS connection that lives on the loops (the TLS layer stays under
// the WebSocket connection across the hand-off), with shio's wss:// client
// and Debian's python3-websockets, compression on and off, and what an
// idle wss connection costs the server.

// wssCert returns a certificate for 127.0.0.1, its PEM file (for
// independent clients) and a pool trusting it.
func wssCert(t *testing.T) (tls.Certificate, string, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "shio wss test"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IsCA:                  true,
		BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "cert.pem")
	if err := os.WriteFile(file, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	leaf, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, file, pool
}

// serveWSS serves up (with h) over HTTPS on an http1.Server on loopback
// until the test ends, and returns its address, the certificate's PEM
// file and a pool trusting it.
func serveWSS(t *testing.T, up *ws.Upgrader, h ws.Handler) (addr, certFile string, roots *x509.CertPool) {
	t.Helper()
	cert, certFile, roots := wssCert(t)
	s := &http1.Server{
		TLSConfig: &tls.Config{Certificates: []tls.Certificate{cert}},
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.TLS == nil {
				http.Error(w, "not over TLS", http.StatusBadRequest)
				return
			}
			up.Accept(w, r, h)
		}),
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- s.ServeTLS(ln, "", "") }()
	t.Cleanup(func() {
		s.Close()
		if err := <-done; !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("ServeTLS: %v", err)
		}
	})
	return ln.Addr().String(), certFile, roots
}

// TestWSSDialEcho: shio's wss:// client and shio's server over HTTPS
// exchange messages of every length class, with permessage-deflate and
// without, ping, and close cleanly.
func TestWSSDialEcho(t *testing.T) {
	for _, compress := range []bool{false, true} {
		t.Run(fmt.Sprintf("compression=%v", compress), func(t *testing.T) {
			cfg := ws.Config{Compression: compress, MaxMessageSize: 2 << 20, MaxFrameSize: 2 << 20}
			up := ws.Upgrader{Config: cfg}
			addr, _, roots := serveWSS(t, &up, echo{})
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			d := ws.Dialer{Config: cfg, TLSConfig: &tls.Config{RootCAs: roots}}
			c, resp, err := d.Dial(ctx, "wss://"+addr+"/echo", nil)
			if err != nil {
				t.Fatal(err)
			}
			ext := resp.Header.Get("Sec-WebSocket-Extensions")
			if compress != strings.Contains(ext, "permessage-deflate") {
				t.Fatalf("compression %v, server answered extensions %q", compress, ext)
			}
			for _, n := range []int{0, 1, 125, 126, 16383, 16384, 16385, 65535, 65536, 100003, 1 << 20} {
				msg := bytes.Repeat([]byte("0123456789abcdef"), n/16+1)[:n]
				if n > 1000 {
					rand.Read(msg[:n/2]) // half incompressible
				}
				typ := ws.BinaryMessage
				if n%2 == 1 || n == 0 {
					typ = ws.TextMessage
					msg = bytes.Repeat([]byte("é"), n/2)
				}
				if err := c.WriteMessage(ctx, typ, msg); err != nil {
					t.Fatal(err)
				}
				gt, got, err := c.ReadMessage(ctx)
				if err != nil || gt != typ || !bytes.Equal(got, msg) {
					t.Fatalf("%v of %d bytes: got %v of %d bytes, %v", typ, len(msg), gt, len(got), err)
				}
			}
			if err := c.Ping([]byte("tls")); err != nil {
				t.Fatal(err)
			}
			if err := c.Close(ws.StatusNormal, "done"); err != nil {
				t.Fatal(err)
			}
			_, _, err = c.ReadMessage(ctx)
			var ce *ws.CloseError
			if !errors.As(err, &ce) || ce.Code != ws.StatusNormal || !ce.Remote {
				t.Fatalf("after Close: %v", err)
			}
		})
	}
}

// pythonWSSClient is Debian's python3-websockets over wss:// with an ssl
// context that trusts only the test certificate.
const pythonWSSClient = `
import asyncio, os, ssl, sys, websockets

async def main(url, cafile, compression):
    ctx = ssl.create_default_context(cafile=cafile)
    async with websockets.connect(url, ssl=ctx, max_size=None,
                                  compression=("deflate" if compression == "1" else None)) as c:
        for n in (0, 1, 125, 126, 16384, 65536, 1 << 20):
            t = "é" * (n // 2)
            await c.send(t)
            assert await c.recv() == t, "text %d" % n
            b = os.urandom(n // 2) + bytes(n - n // 2)
            await c.send(b)
            assert await c.recv() == b, "binary %d" % n
        pong = await c.ping(b"shio")
        await asyncio.wait_for(pong, 5)
        await c.close(code=1000, reason="done")
        assert c.close_code == 1000, c.close_code
    print("ok")

asyncio.run(main(sys.argv[1], sys.argv[2], sys.argv[3]))
`

func TestWSSPythonClient(t *testing.T) {
	py := "/usr/bin/python3"
	if _, err := os.Stat(py); err != nil || exec.Command(py, "-c", "import websockets").Run() != nil {
		t.Skip("Debian's python3-websockets is not installed (apt-get install python3-websockets; .ci/run does)")
	}
	for _, compress := range []bool{false, true} {
		t.Run(fmt.Sprintf("compression=%v", compress), func(t *testing.T) {
			up := ws.Upgrader{Config: ws.Config{Compression: compress, MaxMessageSize: 2 << 20, MaxFrameSize: 2 << 20}}
			addr, certFile, _ := serveWSS(t, &up, echo{})
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			flag := "0"
			if compress {
				flag = "1"
			}
			out, err := exec.CommandContext(ctx, py, "-c", pythonWSSClient, "wss://"+addr+"/echo", certFile, flag).CombinedOutput()
			if err != nil || string(out) != "ok\n" {
				t.Fatalf("python3-websockets over wss: %v\n%s", err, out)
			}
		})
	}
}
