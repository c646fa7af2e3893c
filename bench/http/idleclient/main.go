// Command idleclient opens many keep-alive connections to a server, sends
// one request on each, and holds them idle, printing the server's resident
// memory (VmRSS from /proc) before and after, per connection. It measures
// the "server RSS per idle keep-alive connection" target.
//
//	idleclient -addr 127.0.0.1:8080 -pid <server pid> -conns 19000 [-parallel 32]
package main

import (
	"bytes"
	"flag"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
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
	flag.Parse()
	parallel := *parallelFlag
	before := rssKiB(*pid)
	conns := make([]net.Conn, 0, *n)
	var mu sync.Mutex
	var next atomic.Int64
	var failed atomic.Bool
	req := []byte("GET / HTTP/1.1\r\nHost: bench\r\n\r\n")
	var wg sync.WaitGroup
	for range max(parallel, 1) {
		wg.Go(func() {
			buf := make([]byte, 512)
			for !failed.Load() {
				i := next.Add(1) - 1
				if i >= int64(*n) {
					return
				}
				c, err := net.Dial("tcp", *addr)
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
				for !bytes.Contains(buf[:got], []byte("Hello, World!")) {
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
	fmt.Printf("conns=%d rss_before=%dKiB rss_after=%dKiB per_conn=%.0fB\n",
		len(conns), before, after, float64(after-before)*1024/float64(len(conns)))
	for _, c := range conns {
		c.Close()
	}
}
