package main

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// startRoom serves a room on 127.0.0.1:0 until the test ends, and fails the
// test if serve does not return cleanly once its context is cancelled.
func startRoom(t *testing.T, history int, wrap func(net.Listener) net.Listener) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- serve(ctx, wrap(ln), history) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	return ln.Addr().String()
}

// client is one test connection, which reads line by line.
type client struct {
	t     *testing.T
	conn  net.Conn
	lines *bufio.Scanner
	name  string // from the welcome line
}

// join connects and waits for the welcome line, after which the client is
// subscribed and sees every later message.
func join(t *testing.T, addr string, setup func(*net.TCPConn)) *client {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	setup(conn.(*net.TCPConn))
	_ = conn.SetReadDeadline(time.Now().Add(30 * time.Second)) // a hung test fails
	c := &client{t: t, conn: conn, lines: bufio.NewScanner(conn)}
	welcome := c.read()
	if _, err := fmt.Sscanf(welcome, "* welcome, you are %s", &c.name); err != nil {
		t.Fatalf("first line %q is not a welcome", welcome)
	}
	return c
}

func (c *client) say(text string) {
	c.t.Helper()
	if _, err := fmt.Fprintln(c.conn, text); err != nil {
		c.t.Fatal(err)
	}
}

func (c *client) read() string {
	c.t.Helper()
	if !c.lines.Scan() {
		c.t.Fatalf("read: %v (EOF if nil)", c.lines.Err())
	}
	return c.lines.Text()
}

func (c *client) expect(want string) {
	c.t.Helper()
	if got := c.read(); got != want {
		c.t.Fatalf("%s read %q; want %q", c.name, got, want)
	}
}

func noSetup(*net.TCPConn)               {}
func plain(ln net.Listener) net.Listener { return ln }

func TestEveryLineReachesEveryOtherClient(t *testing.T) {
	addr := startRoom(t, 16, plain)
	a, b, c := join(t, addr, noSetup), join(t, addr, noSetup), join(t, addr, noSetup)
	a.say("hello")
	b.expect(a.name + ": hello")
	b.say("hi") // said after b heard a, so every client hears them in this order
	c.expect(a.name + ": hello")
	c.expect(b.name + ": hi")
	a.expect(b.name + ": hi") // a's own line is not echoed back
}

// smallBuffers shrinks the kernel's send buffer of every accepted
// connection, so that a client that does not read falls behind after a few
// kilobytes instead of megabytes.
type smallBuffers struct{ net.Listener }

func (l smallBuffers) Accept() (net.Conn, error) {
	conn, err := l.Listener.Accept()
	if err == nil {
		_ = conn.(*net.TCPConn).SetWriteBuffer(1) // the kernel rounds up to its minimum
	}
	return conn, err
}

// TestSlowClientIsToldExactlyWhatItMissed has one client talk, one keep up
// and one not read at all until the talk is over. The silent one must be
// told it missed messages, and what it got plus what it was told it missed
// must be exactly everything that was said, in order.
func TestSlowClientIsToldExactlyWhatItMissed(t *testing.T) {
	const history, said = 16, 2000
	addr := startRoom(t, history, func(ln net.Listener) net.Listener { return smallBuffers{ln} })
	talker := join(t, addr, noSetup)
	keeper := join(t, addr, noSetup)
	slow := join(t, addr, func(c *net.TCPConn) { _ = c.SetReadBuffer(1) })

	pad := strings.Repeat(".", 100) // 200 KB in all, far beyond the buffers
	for i := range said {
		talker.say(fmt.Sprintf("m%d %s", i, pad))
	}
	// Once the keeper has the last line, the room has sent all of them.
	last := fmt.Sprintf("%s: m%d %s", talker.name, said-1, pad)
	for keeper.read() != last { // skip to the last line, past any lag notices
	}

	got, missed, lags, next := 0, 0, 0, 0
	for next < said {
		line := slow.read()
		var n int
		if _, err := fmt.Sscanf(line, "* you missed %d messages", &n); err == nil {
			missed += n
			lags++
			next += n
			continue
		}
		if want := fmt.Sprintf("%s: m%d %s", talker.name, next, pad); line != want {
			t.Fatalf("slow client read %.30q...; want %.30q...", line, want)
		}
		got++
		next++
	}
	if lags == 0 || got+missed != said {
		t.Fatalf("slow client got %d and was told it missed %d in %d notices; want some notices and %d in all",
			got, missed, lags, said)
	}
	t.Logf("slow client got %d messages and was told it missed %d in %d notices", got, missed, lags)
}

func TestShutdownClosesEveryConnection(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- serve(ctx, ln, 16) }()
	a, b := join(t, ln.Addr().String(), noSetup), join(t, ln.Addr().String(), noSetup)
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("serve after cancel: %v", err)
	}
	for _, c := range []*client{a, b} {
		if c.lines.Scan() {
			t.Fatalf("%s read %q after shutdown; want EOF", c.name, c.lines.Text())
		}
	}
	if _, err := net.Dial("tcp", ln.Addr().String()); err == nil {
		t.Fatal("the listener still accepts after shutdown")
	}
}
