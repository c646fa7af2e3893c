package ws_test

import (
	"bufio"
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/shio-rt/shio/ws"
)

// TestWSSIdleHoldsNoGoroutine: idle wss connections, held by clients in
// another process so that the heap counted is the server's, hold no
// goroutine on the server. WSS_IDLE_CONNS=N (default 200) scales it to a
// measurement, printed with -v: heap and RSS per connection;
// WSS_IDLE_DEFLATE=1 negotiates permessage-deflate. Ulimit -n must allow
// N descriptors in each process.
func TestWSSIdleHoldsNoGoroutine(t *testing.T) {
	if !epoll {
		t.Skip("the portable reactor serves each connection with a goroutine (reactor package doc, \"Portability\"): idle connections hold one by design")
	}
	if os.Getenv("WSS_CLIENT_ADDR") != "" {
		t.Skip("in the client process")
	}
	n, _ := strconv.Atoi(os.Getenv("WSS_IDLE_CONNS"))
	if n <= 0 {
		n = 200
	}
	deflate := os.Getenv("WSS_IDLE_DEFLATE") != ""
	up := ws.Upgrader{Config: ws.Config{PingInterval: -1, Compression: deflate}}
	addr, _, _ := serveWSS(t, &up, echo{})
	heap0, rss0 := usage()
	g0 := runtime.NumGoroutine()

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestWSSIdleClient$")
	cmd.Env = append(os.Environ(), "WSS_CLIENT_ADDR="+addr, "WSS_CLIENT_CONNS="+strconv.Itoa(n))
	if deflate {
		cmd.Env = append(cmd.Env, "WSS_CLIENT_DEFLATE=1")
	}
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		stdin.Close()
		cmd.Wait()
	}()
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil || line != "ready\n" {
		t.Fatalf("client process: %q, %v", line, err)
	}
	// Let the request goroutines that upgraded end (polling: they end
	// once each hand-off is done).
	deadline := time.Now().Add(20 * time.Second)
	g := runtime.NumGoroutine() - g0
	for g > n/20+2 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
		g = runtime.NumGoroutine() - g0
	}
	heap1, rss1 := usage()
	t.Logf("%d idle wss connections (permessage-deflate %v): %d goroutines, Go heap+stacks %.0f B/conn, RSS %.0f B/conn",
		n, deflate, g, float64(heap1-heap0)/float64(n), float64(rss1-rss0)/float64(n))
	if g > n/20+2 {
		t.Fatalf("%d goroutines for %d idle wss connections, want none per connection", g, n)
	}
}

// TestWSSIdleClient is the client process of TestWSSIdleHoldsNoGoroutine:
// it opens WSS_CLIENT_CONNS wss connections, echoes one message on each,
// prints "ready" and holds them until its stdin closes.
func TestWSSIdleClient(t *testing.T) {
	addr := os.Getenv("WSS_CLIENT_ADDR")
	if addr == "" {
		t.Skip("run by TestWSSIdleHoldsNoGoroutine")
	}
	n, _ := strconv.Atoi(os.Getenv("WSS_CLIENT_CONNS"))
	req := "GET /idle HTTP/1.1\r\nHost: " + addr + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Key: " + testKey + "\r\nSec-WebSocket-Version: 13\r\n"
	if os.Getenv("WSS_CLIENT_DEFLATE") != "" {
		req += "Sec-WebSocket-Extensions: permessage-deflate; client_no_context_takeover\r\n"
	}
	req += "\r\n"
	// A masked text frame "hello" (mask 0): the server echoes it unmasked.
	hello := append([]byte{0x81, 0x85, 0, 0, 0, 0}, "hello"...)
	conns := make([]*tls.Conn, 0, n)
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	buf := make([]byte, 4096)
	for i := range n {
		c, err := tls.Dial("tcp", addr, &tls.Config{InsecureSkipVerify: true, NextProtos: []string{"http/1.1"}})
		if err != nil {
			t.Fatalf("connection %d: %v", i, err)
		}
		conns = append(conns, c)
		c.SetDeadline(time.Now().Add(30 * time.Second))
		io.WriteString(c, req)
		br := bufio.NewReader(c)
		resp, err := http.ReadResponse(br, nil)
		if err != nil || resp.StatusCode != http.StatusSwitchingProtocols {
			t.Fatalf("connection %d: upgrade %v, %v", i, resp, err)
		}
		c.Write(hello)
		if _, err := io.ReadFull(br, buf[:7]); err != nil || string(buf[2:7]) != "hello" {
			t.Fatalf("connection %d: echo %q, %v", i, buf[:7], err)
		}
	}
	fmt.Println("ready")
	io.Copy(io.Discard, os.Stdin)
}
