package main

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// start serves on 127.0.0.1:0 until stop is called or the test ends.
func start(t *testing.T, idle time.Duration) (addr string, stop func()) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- run(ctx, ln, idle) }()
	stopped := false
	stop = func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		if err := <-done; err != nil {
			t.Errorf("run: %v", err)
		}
	}
	t.Cleanup(stop)
	return ln.Addr().String(), stop
}

// upgrade dials addr and upgrades to shout, sending first as early data in
// the same write as the request.
func upgrade(t *testing.T, addr, first string) (net.Conn, *bufio.Reader) {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	c.SetDeadline(time.Now().Add(10 * time.Second))
	io.WriteString(c, "GET /shout HTTP/1.1\r\nHost: x\r\nUpgrade: shout\r\nConnection: Upgrade\r\n\r\n"+first)
	br := bufio.NewReader(c)
	res, err := http.ReadResponse(br, nil)
	if err != nil || res.StatusCode != http.StatusSwitchingProtocols {
		t.Fatalf("upgrade: %v, %v", res, err)
	}
	return c, br
}

func expect(t *testing.T, br *bufio.Reader, want string) {
	t.Helper()
	got, err := br.ReadString('\n')
	if got != want {
		t.Fatalf("read %q, %v; want %q", got, err, want)
	}
}

func TestShoutsBackUntilTheClientLeaves(t *testing.T) {
	addr, _ := start(t, time.Minute)
	c, br := upgrade(t, addr, "hello\n")
	expect(t, br, "HELLO\n")
	io.WriteString(c, "quiet please\n")
	expect(t, br, "QUIET PLEASE\n")
	c.(*net.TCPConn).CloseWrite()
	expect(t, br, "bye\n")
	if _, err := br.ReadByte(); err != io.EOF {
		t.Fatalf("after bye: %v, want EOF", err)
	}
}

func TestSilentClientIsHungUpOn(t *testing.T) {
	addr, _ := start(t, 100*time.Millisecond)
	_, br := upgrade(t, addr, "")
	expect(t, br, "bye\n")
}

func TestShutdownSaysGoodbye(t *testing.T) {
	addr, stop := start(t, time.Minute)
	c, br := upgrade(t, addr, "hi\n")
	expect(t, br, "HI\n")
	stopped := make(chan struct{})
	go func() { stop(); close(stopped) }() // Shutdown waits for the upgraded connection
	expect(t, br, "server shutting down, bye\n")
	if _, err := br.ReadByte(); err != io.EOF {
		t.Fatalf("after goodbye: %v, want EOF", err)
	}
	c.Close() // the server lingers for this FIN before the connection is gone
	<-stopped
}

func TestPlainRequestIsToldToUpgrade(t *testing.T) {
	addr, _ := start(t, time.Minute)
	res, err := http.Get("http://" + addr + "/shout")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusUpgradeRequired || res.Header.Get("Upgrade") != "shout" {
		t.Fatalf("status %d, Upgrade %q", res.StatusCode, res.Header.Get("Upgrade"))
	}
	http.DefaultClient.CloseIdleConnections()
}
