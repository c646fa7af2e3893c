// Command idlews measures the server memory of idle gorilla/websocket
// connections taken over with http.Hijacker, on shio's http1.Server (the
// reactor) and on net/http: issue 12 item 8.
//
//	idlews -serve shio -addr 127.0.0.1:9001 &        # or -serve net/http
//	idlews -addr 127.0.0.1:9001 -pid $! -conns 5000
//
// The server upgrades every request with gorilla's Upgrader and blocks in
// ReadMessage, as a gorilla application does. The client (a separate
// process, so that its memory is not counted) opens -conns connections,
// each sending one message and reading its echo, waits, and prints the
// server's VmRSS before and after, per connection.
package main

import (
	"flag"
	"fmt"
	"net"
	"net/http"
	_ "net/http/pprof"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"

	"github.com/shio-rt/shio/http1"
)

func main() {
	serve := flag.String("serve", "", "run the server: shio or net/http")
	addr := flag.String("addr", "127.0.0.1:9001", "address")
	pid := flag.Int("pid", 0, "server process (client mode)")
	conns := flag.Int("conns", 5000, "connections to hold (client mode)")
	settle := flag.Duration("settle", 3*time.Second, "wait before measuring")
	pprofAddr := flag.String("pprof", "", "serve net/http/pprof on this address (server mode)")
	memRate := flag.Int("memprofilerate", 0, "runtime.MemProfileRate for -pprof's heap profile (1: every allocation; 0: the default)")
	flag.Parse()
	if *memRate > 0 {
		runtime.MemProfileRate = *memRate
	}
	if *pprofAddr != "" {
		go http.ListenAndServe(*pprofAddr, nil)
	}
	if *serve != "" {
		runServer(*serve, *addr)
		return
	}
	runClient(*addr, *pid, *conns, *settle)
}

func runServer(kind, addr string) {
	up := websocket.Upgrader{CheckOrigin: func(*http.Request) bool { return true }}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer c.Close()
		for {
			typ, p, err := c.ReadMessage()
			if err != nil {
				return
			}
			if c.WriteMessage(typ, p) != nil {
				return
			}
		}
	})
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	switch kind {
	case "shio":
		err = (&http1.Server{Handler: h}).Serve(ln)
	case "net/http":
		err = (&http.Server{Handler: h}).Serve(ln)
	default:
		err = fmt.Errorf("unknown server %q", kind)
	}
	fmt.Fprintln(os.Stderr, err)
	os.Exit(1)
}

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

func runClient(addr string, pid, n int, settle time.Duration) {
	before := rssKiB(pid)
	held := make([]*websocket.Conn, n)
	var failed atomic.Int64
	var wg sync.WaitGroup
	sem := make(chan struct{}, 16)
	for i := range n {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			c, _, err := websocket.DefaultDialer.Dial("ws://"+addr+"/", nil)
			if err != nil {
				failed.Add(1)
				return
			}
			if c.WriteMessage(websocket.TextMessage, []byte("hello")) != nil {
				failed.Add(1)
				return
			}
			if _, _, err := c.ReadMessage(); err != nil {
				failed.Add(1)
				return
			}
			held[i] = c
		}()
	}
	wg.Wait()
	time.Sleep(settle)
	after := rssKiB(pid)
	fmt.Printf("connections %d (failed %d): server RSS %d KiB -> %d KiB, %.1f KiB per connection\n",
		n, failed.Load(), before, after, float64(after-before)/float64(n))
	for _, c := range held {
		if c != nil {
			c.Close()
		}
	}
	runtime.KeepAlive(held)
}
