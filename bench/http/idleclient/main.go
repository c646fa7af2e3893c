// Command idleclient opens many keep-alive connections to a server, sends
// one request on each, and holds them idle, printing the server's resident
// memory (VmRSS from /proc) before and after, per connection. It measures
// the "server RSS per idle keep-alive connection" target.
//
//	idleclient -addr 127.0.0.1:8080 -pid <server pid> -conns 19000 [-parallel 32]
//
// With -tls it speaks TLS (1.3, trusting any certificate), and with
// -upload N each connection first sends a POST of N bytes, so that the
// server's TLS state has seen full-size records. It sends the server
// SIGUSR1 before and after (the bench server prints its heap and
// goroutines on SIGUSR1).
package main

import (
	"bytes"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

func rssKiB(pid int) int {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return -1
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			n, _ := strconv.Atoi(strings.Fields(v)[0])
			return n
		}
	}
	return -1
}

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "server address")
	pid := flag.Int("pid", 0, "server process id")
	n := flag.Int("conns", 19000, "connections to hold")
	settle := flag.Duration("settle", 2*time.Second, "wait before measuring")
	parallelFlag := flag.Int("parallel", 1, "connections opened at once")
	useTLS := flag.Bool("tls", false, "speak TLS")
	upload := flag.Int("upload", 0, "bytes each connection POSTs before its GET")
	flag.Parse()
	parallel := *parallelFlag
	syscall.Kill(*pid, syscall.SIGUSR1)
	time.Sleep(200 * time.Millisecond)
	before := rssKiB(*pid)
	conns := make([]net.Conn, 0, *n)
	var mu sync.Mutex
	var next atomic.Int64
	var failed atomic.Bool
	req := []byte("GET / HTTP/1.1\r\nHost: bench\r\n\r\n")
	if *upload > 0 {
		post := fmt.Appendf(nil, "POST / HTTP/1.1\r\nHost: bench\r\nContent-Length: %d\r\n\r\n", *upload)
		post = append(post, bytes.Repeat([]byte("x"), *upload)...)
		req = append(post, req...)
	}
	var wg sync.WaitGroup
	for range max(parallel, 1) {
		wg.Go(func() {
			buf := make([]byte, 512)
			for !failed.Load() {
				i := next.Add(1) - 1
				if i >= int64(*n) {
					return
				}
				var c net.Conn
				var err error
				if *useTLS {
					c, err = tls.Dial("tcp", *addr, &tls.Config{InsecureSkipVerify: true, NextProtos: []string{"http/1.1"}})
				} else {
					c, err = net.Dial("tcp", *addr)
				}
				if err != nil {
					fmt.Fprintf(os.Stderr, "dial %d: %v\n", i, err)
					failed.Store(true)
					return
				}
				mu.Lock()
				conns = append(conns, c)
				mu.Unlock()
				c.Write(req)
				got := 0
				for want := 1 + min(*upload, 1); bytes.Count(buf[:got], []byte("Hello, World!")) < want; {
					m, err := c.Read(buf[got:])
					if err != nil {
						fmt.Fprintf(os.Stderr, "read %d: %v\n", i, err)
						os.Exit(1)
					}
					got += m
				}
			}
		})
	}
	wg.Wait()
	time.Sleep(*settle)
	after := rssKiB(*pid)
	syscall.Kill(*pid, syscall.SIGUSR1)
	time.Sleep(200 * time.Millisecond)
	// A connection the server closed meanwhile (an idle timeout) would
	// make the figure a lie: count them.
	closed := 0
	one := make([]byte, 1)
	for _, c := range conns {
		c.SetReadDeadline(time.Now().Add(time.Millisecond))
		if _, err := c.Read(one); err == nil || !errors.Is(err, os.ErrDeadlineExceeded) {
			closed++
		}
	}
	fmt.Printf("conns=%d rss_before=%dKiB rss_after=%dKiB per_conn=%.0fB closed_by_server=%d\n",
		len(conns), before, after, float64(after-before)*1024/float64(len(conns)), closed)
	for _, c := range conns {
		c.Close()
	}
}
