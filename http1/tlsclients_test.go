package http1_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/shio-rt/shio/http1"
)

// serveTLS serves s with ServeTLS on a loopback port and returns the
// address, the certificate file and a pool trusting it.
func serveTLS(t *testing.T, s *http1.Server) (addr, certFile string, roots *x509.CertPool) {
	t.Helper()
	certFile, keyFile, roots := selfSigned(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- s.ServeTLS(ln, certFile, keyFile) }()
	t.Cleanup(func() {
		s.Close()
		if err := <-done; !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("ServeTLS returned %v", err)
		}
	})
	return ln.Addr().String(), certFile, roots
}

func pathEcho() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		fmt.Fprintf(w, "%s %s tls=%v body=%d\n", r.Method, r.URL.Path, r.TLS != nil && r.TLS.HandshakeComplete, len(body))
	})
}

func needTool(t *testing.T, name string) {
	t.Helper()
	if _, err := exec.LookPath(name); err != nil {
		t.Skipf("%s is not installed (.ci/run installs it): %v", name, err)
	}
}

func runTool(t *testing.T, stdin string, name string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Stdin = strings.NewReader(stdin)
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s: %v\nstdout: %s\nstderr: %s", name, err, out.String(), stderr.String())
	}
	return out.String()
}

// TestHTTPSWithCurl: curl fetches three URLs over one kept-alive TLS
// connection, one of them a POST with a body.
func TestHTTPSWithCurl(t *testing.T) {
	needTool(t, "curl")
	s := &http1.Server{Handler: pathEcho()}
	addr, certFile, _ := serveTLS(t, s)
	u := "https://" + addr
	out := runTool(t, "", "curl", "-sS", "--http1.1", "--cacert", certFile,
		u+"/a", u+"/b", "--next", "-sS", "--http1.1", "--cacert", certFile, "--data-binary", "hello", u+"/c")
	want := "GET /a tls=true body=0\nGET /b tls=true body=0\nPOST /c tls=true body=5\n"
	if out != want {
		t.Fatalf("curl got %q, want %q", out, want)
	}
	if n := s.Stats().Accepted; n != 1 {
		t.Fatalf("%d connections for three requests: keep-alive did not hold", n)
	}
}

// TestHTTPSWithOpenSSL: openssl s_client sends two pipelined requests in
// one write and reads both answers; a client offering only h2 is refused
// with an alert.
func TestHTTPSWithOpenSSL(t *testing.T) {
	needTool(t, "openssl")
	s := &http1.Server{Handler: pathEcho()}
	addr, certFile, _ := serveTLS(t, s)
	reqs := "GET /one HTTP/1.1\r\nHost: x\r\n\r\nGET /two HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
	out := runTool(t, reqs, "openssl", "s_client", "-quiet", "-connect", addr, "-CAfile", certFile,
		"-verify_return_error", "-alpn", "http/1.1")
	if !strings.Contains(out, "GET /one tls=true") || !strings.Contains(out, "GET /two tls=true") {
		t.Fatalf("openssl output: %q", out)
	}
	if i, j := strings.Index(out, "/one"), strings.Index(out, "/two"); i > j {
		t.Fatal("pipelined responses out of order")
	}

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "openssl", "s_client", "-connect", addr, "-CAfile", certFile, "-alpn", "h2")
	cmd.Stdin = strings.NewReader("")
	b, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(b), "no application protocol") {
		t.Fatalf("h2-only openssl client: %v\n%s", err, b)
	}
}

const pythonClient = `
import socket, ssl, sys
ctx = ssl.create_default_context(cafile=sys.argv[2])
ctx.check_hostname = False
ctx.set_alpn_protocols(["http/1.1"])
host, port = sys.argv[1].rsplit(":", 1)
with socket.create_connection((host, int(port))) as raw:
    with ctx.wrap_socket(raw, server_hostname="localhost") as s:
        assert s.selected_alpn_protocol() == "http/1.1", s.selected_alpn_protocol()
        s.sendall(b"GET /py1 HTTP/1.1\r\nHost: x\r\n\r\nPOST /py2 HTTP/1.1\r\nHost: x\r\nContent-Length: 65536\r\nConnection: close\r\n\r\n" + b"x" * 65536)
        data = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
        sys.stdout.write(data.decode())
        sys.stdout.write("\nversion=" + s.version() + "\n")
`

// TestHTTPSWithPython: Python's ssl module, pipelining a GET and a 64 KiB
// POST, reads both answers and a clean close (close_notify, else Python
// raises an error at EOF).
func TestHTTPSWithPython(t *testing.T) {
	needTool(t, "python3")
	s := &http1.Server{Handler: pathEcho()}
	addr, certFile, _ := serveTLS(t, s)
	out := runTool(t, "", "python3", "-c", pythonClient, addr, certFile)
	for _, want := range []string{"GET /py1 tls=true body=0", "POST /py2 tls=true body=65536", "version=TLSv1.3"} {
		if !strings.Contains(out, want) {
			t.Fatalf("python output lacks %q:\n%s", want, out)
		}
	}
}

// TestHTTPSPipeliningWithGoClient: many requests written at once over one
// TLS connection are answered in order.
func TestHTTPSPipeliningWithGoClient(t *testing.T) {
	s := &http1.Server{Handler: pathEcho()}
	addr, _, roots := serveTLS(t, s)
	c, err := tls.Dial("tcp", addr, &tls.Config{RootCAs: roots})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	const n = 100
	var reqs bytes.Buffer
	for i := range n {
		fmt.Fprintf(&reqs, "GET /%d HTTP/1.1\r\nHost: x\r\n\r\n", i)
	}
	go c.Write(reqs.Bytes())
	br := bufio.NewReader(c)
	for i := range n {
		res, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatalf("response %d: %v", i, err)
		}
		b, _ := io.ReadAll(res.Body)
		if want := fmt.Sprintf("GET /%d tls=true body=0\n", i); string(b) != want {
			t.Fatalf("response %d: %q, want %q", i, b, want)
		}
	}
}

// recordConn is a net.Conn that remembers the type of every TLS record it
// reads.
type recordConn struct {
	net.Conn
	raw bytes.Buffer
}

func (c *recordConn) Read(b []byte) (int, error) {
	n, err := c.Conn.Read(b)
	c.raw.Write(b[:n])
	return n, err
}

// TestHTTPSShutdownSendsCloseNotify: an idle keep-alive TLS connection
// receives close_notify (an alert record) when the server shuts down.
func TestHTTPSShutdownSendsCloseNotify(t *testing.T) {
	s := &http1.Server{Handler: pathEcho()}
	addr, _, roots := serveTLS(t, s)
	raw, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	rc := &recordConn{Conn: raw}
	c := tls.Client(rc, &tls.Config{RootCAs: roots, MaxVersion: tls.VersionTLS12, ServerName: "127.0.0.1"})
	defer c.Close()
	fmt.Fprint(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	br := bufio.NewReader(c)
	res, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	io.ReadAll(res.Body)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	shut := make(chan error, 1)
	go func() { shut <- s.Shutdown(ctx) }()
	if _, err := br.ReadByte(); err != io.EOF {
		t.Fatalf("after Shutdown: %v", err)
	}
	c.Close() // the server lingers for our FIN
	if err := <-shut; err != nil {
		t.Fatal(err)
	}
	// Walk the records: the last one must be an alert (21).
	b, last := rc.raw.Bytes(), byte(0)
	for len(b) >= 5 {
		last = b[0]
		b = b[min(len(b), 5+(int(b[3])<<8|int(b[4]))):]
	}
	if last != 21 {
		t.Fatalf("the server's last record has type %d, want an alert (close_notify)", last)
	}
}

// TestIdleHTTPSConnectionsHoldNoGoroutine: after a request each, idle
// keep-alive TLS connections cost no goroutine.
func TestIdleHTTPSConnectionsHoldNoGoroutine(t *testing.T) {
	if portable {
		t.Skip("the portable reactor serves each connection with a goroutine (reactor package doc, \"Portability\"): idle connections hold one by design")
	}
	s := &http1.Server{Handler: pathEcho()}
	addr, _, roots := serveTLS(t, s)
	tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots}, MaxIdleConnsPerHost: 100}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr}
	// Warm up: the first connection's goroutines (the client's too).
	get := func() {
		res, err := client.Get("https://" + addr + "/")
		if err != nil {
			t.Fatal(err)
		}
		io.ReadAll(res.Body)
		res.Body.Close()
	}
	const n = 50
	conns := make([]*tls.Conn, 0, n)
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	get()
	base := runtime.NumGoroutine()
	for range n {
		c, err := tls.Dial("tcp", addr, &tls.Config{RootCAs: roots})
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
		fmt.Fprint(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
		res, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			t.Fatal(err)
		}
		io.ReadAll(res.Body)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		g := runtime.NumGoroutine()
		if g < base+n/5 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d goroutines for %d idle TLS connections (base %d)", g, n, base)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if open := s.Stats().Open; open < n {
		t.Fatalf("%d connections open, want at least %d", open, n)
	}
}

// TestRFCConformanceOverTLS runs the RFC 9110/9112 conformance table over
// HTTPS on the reactor: TLS must change nothing a client sees in HTTP.
func TestRFCConformanceOverTLS(t *testing.T) {
	cases := append(append([]rfcCase(nil), rfcCases...), rfcCasesMore...)
	addr, _, roots := serveTLS(t, &http1.Server{Handler: http.HandlerFunc(rfcHandler)})
	cfg := &tls.Config{RootCAs: roots, ClientSessionCache: tls.NewLRUClientSessionCache(1)}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			conn, err := tls.Dial("tcp", addr, cfg)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { conn.Close() })
			conn.SetDeadline(time.Now().Add(10 * time.Second))
			tc.runOn(t, &client{t, conn, bufio.NewReader(conn)})
		})
	}
}

// TestHTTPSHijack: a Handler that hijacks an HTTPS connection reads and
// writes plaintext: the TLS layer stays under the hijacked connection.
func TestHTTPSHijack(t *testing.T) {
	s := &http1.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, brw, err := w.(http.Hijacker).Hijack()
		if err != nil {
			t.Error(err)
			return
		}
		defer c.Close()
		io.WriteString(c, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\n")
		line, err := brw.ReadString('\n')
		if err != nil {
			t.Error(err)
			return
		}
		io.WriteString(c, strings.ToUpper(line))
	})}
	addr, _, roots := serveTLS(t, s)
	c, err := tls.Dial("tcp", addr, &tls.Config{RootCAs: roots})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	fmt.Fprint(c, "GET / HTTP/1.1\r\nHost: x\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\nhello hijacker\n")
	br := bufio.NewReader(c)
	res, err := http.ReadResponse(br, nil)
	if err != nil || res.StatusCode != 101 {
		t.Fatalf("%v %v", res, err)
	}
	line, err := br.ReadString('\n')
	if err != nil || line != "HELLO HIJACKER\n" {
		t.Fatalf("%q, %v", line, err)
	}
	if _, err := br.ReadByte(); err != io.EOF {
		t.Fatalf("after the hijacked Close: %v, want close_notify's EOF", err)
	}
}

// TestPlainHTTPToHTTPSPort: a plain HTTP request to the HTTPS port gets
// net/http's answer, byte for byte (a 400 that says why), then a close,
// not a TLS alert; anything else that is not TLS still gets the alert.
func TestPlainHTTPToHTTPSPort(t *testing.T) {
	addr, certFile, _ := serveTLS(t, &http1.Server{Handler: pathEcho()})
	std := httptest.NewUnstartedServer(pathEcho())
	cert, err := tls.LoadX509KeyPair(certFile, strings.TrimSuffix(certFile, "cert.pem")+"key.pem")
	if err != nil {
		t.Fatal(err)
	}
	std.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
	std.StartTLS()
	defer std.Close()
	exchange := func(addr, in string) string {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		io.WriteString(c, in)
		c.SetReadDeadline(time.Now().Add(10 * time.Second))
		b, err := io.ReadAll(c)
		if err != nil && !errors.Is(err, syscall.ECONNRESET) {
			t.Fatalf("%s: read %v, want the server to close", addr, err)
		}
		return string(b)
	}
	for _, in := range []string{
		"GET / HTTP/1.1\r\nHost: x\r\n\r\n",
		"HEAD /x HTTP/1.0\r\n\r\n",
		"POST /form HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc",
		"PUT /a HTTP/1.1\r\nHost: x\r\n\r\n",
		"OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n",
	} {
		got, want := exchange(addr, in), exchange(std.Listener.Addr().String(), in)
		if got != want || !strings.HasPrefix(got, "HTTP/1.0 400 Bad Request\r\n") ||
			!strings.Contains(got, "Client sent an HTTP request to an HTTPS server.") {
			t.Errorf("%q: shio answered %q, net/http %q", in, got, want)
		}
	}
	if got := exchange(addr, "DELETE / HTTP/1.1\r\n\r\n"); got != "\x15\x03\x01\x00\x02\x02\x0a" {
		t.Errorf("DELETE (not one of net/http's five prefixes): got %q, want an unexpected_message alert", got)
	}
}
