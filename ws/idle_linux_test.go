package ws_test

import (
	"bytes"
	"net"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/shio-rt/shio/ws"
)

// TestIdleMemory measures what an idle WebSocket connection costs the
// server: WS_IDLE_CONNS=N go test -run TestIdleMemory -v ./ws. The clients
// are raw sockets (file descriptors, no Go objects), so the heap and RSS
// growth is the server's. Ulimit -n must allow 2N descriptors.
// WS_IDLE_DEFLATE=1 negotiates permessage-deflate (no context takeover).
func TestIdleMemory(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("WS_IDLE_CONNS"))
	if n <= 0 {
		t.Skip("set WS_IDLE_CONNS=N to measure N idle connections")
	}
	deflate := os.Getenv("WS_IDLE_DEFLATE") != ""
	up := ws.Upgrader{Config: ws.Config{PingInterval: -1, Compression: deflate}}
	addr := serveWS(t, &up, echo{})
	ta, _ := net.ResolveTCPAddr("tcp", addr)
	sa := &syscall.SockaddrInet4{Port: ta.Port}
	copy(sa.Addr[:], ta.IP.To4())
	req := []byte("GET / HTTP/1.1\r\nHost: " + addr + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Key: " + testKey + "\r\nSec-WebSocket-Version: 13\r\n")
	if deflate {
		req = append(req, "Sec-WebSocket-Extensions: permessage-deflate; client_no_context_takeover\r\n"...)
	}
	req = append(req, "\r\n"...)
	heap0, rss0 := usage()
	fds := make([]int, 0, n)
	defer func() {
		for _, fd := range fds {
			syscall.Close(fd)
		}
	}()
	buf := make([]byte, 512)
	for range n {
		fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM, 0)
		if err != nil {
			t.Fatal(err)
		}
		fds = append(fds, fd)
		if err := syscall.Connect(fd, sa); err != nil {
			t.Fatal(err)
		}
		syscall.Write(fd, req)
		k, err := syscall.Read(fd, buf) // the 101, whole on loopback
		if err != nil || !bytes.HasPrefix(buf[:k], []byte("HTTP/1.1 101")) {
			t.Fatalf("handshake: %q %v", buf[:k], err)
		}
	}
	time.Sleep(200 * time.Millisecond) // let the request goroutines' stacks go (a measurement, not synchronisation)
	heap1, rss1 := usage()
	t.Logf("%d idle WebSocket connections (permessage-deflate %v): Go heap %.0f B/conn, RSS %.0f B/conn",
		n, deflate, float64(heap1-heap0)/float64(n), float64(rss1-rss0)/float64(n))
}

func usage() (heap, rss int64) {
	runtime.GC()
	debug.FreeOSMemory() // return freed pages (the request goroutines' stacks), so RSS counts what is live
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	b, _ := os.ReadFile("/proc/self/statm")
	f := bytes.Fields(b)
	pages, _ := strconv.ParseInt(string(f[1]), 10, 64)
	return int64(ms.HeapInuse + ms.StackInuse), pages * int64(os.Getpagesize())
}
