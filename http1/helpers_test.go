package http1_test

import (
	"bufio"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/shio-rt/shio/http1"
	"github.com/shio-rt/shio/reactor"
	"github.com/shio-rt/shio/tcp"
)

// forEachPath runs f on the reactor path (a *net.TCPListener), on a shio
// tcp.Listener (the reactor path on the tcp Network's loops) and on the
// fallback (goroutine per connection) path; serve picks the path from the
// subtest's name.
func forEachPath(t *testing.T, f func(t *testing.T)) {
	t.Run("reactor", f)
	t.Run("tcp", f)
	t.Run("fallback", f)
}

// fallbackListener hides the *net.TCPListener so that Serve takes the
// fallback path.
type fallbackListener struct{ net.Listener }

// eventsListener is a tcp.Listener that tells when Serve has handed its
// connections to an event handler.
type eventsListener struct {
	*tcp.Listener
	handled chan struct{}
}

func (l eventsListener) ServeEvents(h reactor.Handler) (func(), error) {
	release, err := l.Listener.ServeEvents(h)
	close(l.handled)
	return release, err
}

func onFallback(t *testing.T) bool { return strings.HasSuffix(t.Name(), "/fallback") }

// serve runs s on a loopback listener until the test ends.
func serve(t *testing.T, s *http1.Server) string {
	t.Helper()
	var ln net.Listener
	var err error
	var handled chan struct{} // closed once Serve hands the tcp listener's connections to its handler
	if strings.HasSuffix(t.Name(), "/tcp") {
		var tl *tcp.Listener
		tl, err = tcp.Listen("tcp", "127.0.0.1:0")
		handled = make(chan struct{})
		ln = eventsListener{tl, handled}
	} else {
		ln, err = net.Listen("tcp", "127.0.0.1:0")
	}
	if err != nil {
		t.Fatal(err)
	}
	if onFallback(t) {
		ln = fallbackListener{ln}
	}
	done := make(chan error, 1)
	go func() { done <- s.Serve(ln) }()
	if handled != nil {
		// A connection dialled before Serve installs its handler would be
		// queued for Accept and served on the goroutine path instead.
		select {
		case <-handled:
		case err := <-done:
			t.Fatalf("Serve returned %v before serving events", err)
		}
	}
	t.Cleanup(func() {
		s.Close()
		if err := <-done; !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("Serve returned %v", err)
		}
	})
	return ln.Addr().String()
}

// client is a raw connection to a server under test.
type client struct {
	t    *testing.T
	conn net.Conn
	br   *bufio.Reader
}

func dial(t *testing.T, addr string) *client {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	conn.SetDeadline(time.Now().Add(10 * time.Second)) // a hung test fails instead of hanging
	return &client{t, conn, bufio.NewReader(conn)}
}

func (c *client) send(raw string) {
	c.t.Helper()
	if _, err := io.WriteString(c.conn, raw); err != nil {
		c.t.Fatal(err)
	}
}

// response reads one response to a request with the given method.
func (c *client) response(method string) (*http.Response, string) {
	c.t.Helper()
	res, err := http.ReadResponse(c.br, &http.Request{Method: method})
	if err != nil {
		c.t.Fatalf("reading response: %v", err)
	}
	b, err := io.ReadAll(res.Body)
	if err != nil {
		c.t.Fatalf("reading response body: %v", err)
	}
	return res, string(b)
}

// closed reports whether the server closed the connection (after any bytes
// still buffered).
func (c *client) closed() bool {
	c.t.Helper()
	_, err := c.br.ReadByte()
	return errors.Is(err, io.EOF) || errors.Is(err, net.ErrClosed) || err != nil && strings.Contains(err.Error(), "reset")
}

func hello(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "Hello, World!") }

func asMaxBytes(err error, target **http.MaxBytesError) bool { return errors.As(err, target) }
