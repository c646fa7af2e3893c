//go:build !reactor_portable

package reactor_test

import (
	"io"
	"net"
	"runtime"
	"testing"

	"github.com/shio-rt/shio/reactor"
	"golang.org/x/sys/unix"
)

// rawDial connects with plain system calls, so that the client side adds
// nothing to the Go heap and the measurement below sees only the server.
func rawDial(t *testing.T, addr *net.TCPAddr) int {
	t.Helper()
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	sa := &unix.SockaddrInet4{Port: addr.Port}
	copy(sa.Addr[:], addr.IP.To4())
	if err := unix.Connect(fd, sa); err != nil {
		unix.Close(fd)
		t.Fatal(err)
	}
	return fd
}

func TestIdleConnectionHoldsNoGoroutineAndNoBuffer(t *testing.T) {
	const n = 2000
	r, err := reactor.New(reactor.Config{Loops: 2}, &echo{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	ln, err := r.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().(*net.TCPAddr)
	// Warm up: one connection exchanges data, so pools and scratch
	// buffers exist before the baseline.
	warm := dial(t, addr.String())
	warm.Write([]byte("w"))
	io.ReadFull(warm, make([]byte, 1))
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	goroutines := runtime.NumGoroutine()
	fds := make([]int, 0, n)
	defer func() {
		for _, fd := range fds {
			unix.Close(fd)
		}
	}()
	for range n {
		fd := rawDial(t, addr)
		fds = append(fds, fd)
		// Each connection talks once: it has been read and written.
		if _, err := unix.Write(fd, []byte("hi")); err != nil {
			t.Fatal(err)
		}
		buf := make([]byte, 2)
		if _, err := unix.Read(fd, buf); err != nil {
			t.Fatal(err)
		}
	}
	eventually(t, "all open", func() bool { return r.Stats().Open == n+1 })
	runtime.GC()
	runtime.ReadMemStats(&after)
	perConn := float64(int64(after.HeapAlloc)-int64(before.HeapAlloc)) / n
	t.Logf("%.0f bytes of Go heap per idle connection", perConn)
	if perConn > 512 {
		t.Fatalf("%.0f bytes of heap per idle connection, want at most 512", perConn)
	}
	if g := runtime.NumGoroutine(); g > goroutines {
		t.Fatalf("%d goroutines with %d idle connections, %d before", g, n, goroutines)
	}
}
