// Command slowreaders measures server memory under clients that stop
// reading: it serves a 10 MB response (shio's http1 or net/http, in this
// process), opens -clients connections that read the response head and
// then nothing, and reports the growth of its own VmRSS and how many
// Handlers got a write error by WriteTimeout.
//
//	go run ./http/slowreaders -impl shio -clients 200
package main

import (
	"bufio"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/shio-rt/shio/http1"
)

func rss() int64 {
	b, _ := os.ReadFile("/proc/self/status")
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "VmRSS:") {
			f := strings.Fields(l)
			n, _ := strconv.ParseInt(f[1], 10, 64)
			return n << 10
		}
	}
	return 0
}

func main() {
	impl := flag.String("impl", "shio", "shio | net-http")
	clients := flag.Int("clients", 200, "slow clients")
	size := flag.Int("size", 10<<20, "response bytes")
	wt := flag.Duration("write-timeout", 5*time.Second, "server WriteTimeout")
	flag.Parse()
	body := make([]byte, *size)
	var failed, done atomic.Int64
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		if _, err := w.Write(body); err != nil {
			failed.Add(1)
		}
		done.Add(1)
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	switch *impl {
	case "shio":
		go (&http1.Server{Handler: h, WriteTimeout: *wt}).Serve(ln)
	default:
		go (&http.Server{Handler: h, WriteTimeout: *wt}).Serve(ln)
	}
	time.Sleep(200 * time.Millisecond)
	base := rss()
	d := net.Dialer{Control: func(_, _ string, rc syscall.RawConn) error {
		return rc.Control(func(fd uintptr) { syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096) })
	}}
	var conns []net.Conn
	for range *clients {
		c, err := d.Dial("tcp", ln.Addr().String())
		if err != nil {
			panic(err)
		}
		conns = append(conns, c)
		fmt.Fprintf(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
		http.ReadResponse(bufio.NewReaderSize(c, 1024), nil)
	}
	peak := int64(0)
	start := time.Now()
	for done.Load() < int64(*clients) && time.Since(start) < *wt+30*time.Second {
		peak = max(peak, rss()-base)
		time.Sleep(50 * time.Millisecond)
	}
	fmt.Printf("%s: %d slow readers of %d MB: peak RSS growth %.1f MiB; %d of %d Handlers returned (%d with a write error) %.1fs after the last client stopped reading (WriteTimeout %v)\n",
		*impl, *clients, *size>>20, float64(peak)/(1<<20), done.Load(), *clients, failed.Load(), time.Since(start).Seconds(), *wt)
	for _, c := range conns {
		c.Close()
	}
}
