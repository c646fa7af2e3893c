package http1_test

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/shio-rt/shio/http1"
)

// TestSlowReadersHoldBoundedMemoryAndTimeOut serves a large response to
// many clients that read its head and then nothing, under GOMAXPROCS 1 and
// 2 (where the request goroutine runs inside and outside the loop's
// callback): the server's heap must not grow with the responses (only by
// the bounded queue per connection), and every Handler blocked in Write
// must get an error once WriteTimeout passes without progress.
func TestSlowReadersHoldBoundedMemoryAndTimeOut(t *testing.T) {
	for _, procs := range []int{1, 2} {
		t.Run(fmt.Sprintf("GOMAXPROCS=%d", procs), func(t *testing.T) {
			defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
			forEachPath(t, func(t *testing.T) { slowReaders(t, false) })
		})
	}
}

// TestSlowReadersOfAFileTimeOut is the same for a response sent from a
// file (io.Copy from an *os.File: sendfile(2) on the reactor), whose waits
// for the socket must end by WriteTimeout as those of Write do.
func TestSlowReadersOfAFileTimeOut(t *testing.T) {
	for _, procs := range []int{1, 2} {
		t.Run(fmt.Sprintf("GOMAXPROCS=%d", procs), func(t *testing.T) {
			defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
			forEachPath(t, func(t *testing.T) { slowReaders(t, true) })
		})
	}
}

func slowReaders(t *testing.T, fromFile bool) {
	const (
		clients = 40
		size    = 16 << 20 // per response, far beyond the kernel's buffers
		timeout = 300 * time.Millisecond
		// Per connection the server may hold its queue (writeHighWater,
		// 256 KiB) and the slack of a buffer's growth; not the response.
		perConn = 1 << 20
	)
	body := make([]byte, size) // shared by every Handler: not the server's growth
	type result struct {
		err  error
		took time.Duration
	}
	results := make(chan result, clients)
	var file string
	if fromFile {
		file = filepath.Join(t.TempDir(), "body")
		if err := os.WriteFile(file, body, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", fmt.Sprint(size))
		w.Header().Set("Content-Type", "application/octet-stream")
		start := time.Now()
		var err error
		if fromFile {
			var f *os.File
			if f, err = os.Open(file); err == nil {
				_, err = io.Copy(w, f)
				f.Close()
			}
		} else {
			_, err = w.Write(body)
		}
		results <- result{err, time.Since(start)}
	})
	s := &http1.Server{Handler: h, WriteTimeout: timeout}
	addr := serve(t, s)

	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base := ms.HeapAlloc
	var peak uint64
	stop := make(chan struct{})
	var sampler sync.WaitGroup
	sampler.Add(1)
	go func() { // the heap's peak while the responses are stuck
		defer sampler.Done()
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for {
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapAlloc)
			select {
			case <-stop:
				return
			case <-tick.C:
			}
		}
	}()

	d := net.Dialer{Control: func(_, _ string, rc syscall.RawConn) error {
		// A small receive window, so that the kernel cannot absorb the
		// response on the client's side.
		return rc.Control(func(fd uintptr) {
			syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096)
		})
	}}
	for range clients {
		conn, err := d.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { conn.Close() })
		conn.SetDeadline(time.Now().Add(20 * time.Second))
		fmt.Fprintf(conn, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
		if _, err := http.ReadResponse(bufio.NewReaderSize(conn, 1024), nil); err != nil {
			t.Fatal(err)
		}
		// ... and read no more.
	}
	for range clients {
		var r result
		select {
		case r = <-results:
		case <-time.After(20 * time.Second):
			t.Fatal("a Handler writing to a client that does not read was still blocked after 20s")
		}
		if r.err == nil {
			t.Errorf("a Handler wrote %d bytes to a client that does not read without an error (in %v)", size, r.took)
		}
		// From the first wait on, each wait ends by WriteTimeout; the
		// kernel's buffers fill at once, so the first wait starts at once.
		if r.took > timeout+5*time.Second {
			t.Errorf("a blocked Write returned after %v; WriteTimeout is %v", r.took, timeout)
		}
	}
	close(stop)
	sampler.Wait()
	growth := int64(peak) - int64(base)
	t.Logf("heap grew by %d KiB at its peak for %d stuck %d MiB responses", growth>>10, clients, size>>20)
	if growth > clients*perConn {
		t.Fatalf("heap grew by %d MiB for %d slow readers: the responses are held in memory (bound %d MiB)",
			growth>>20, clients, clients*perConn>>20)
	}
}
