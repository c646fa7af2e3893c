// Command latency is an HTTP/1.1 server with a known latency distribution,
// the ground truth against which load generators (wrk, `shio bench`) are
// checked: on every keep-alive connection, response k waits for the delay
// of slot k of a fixed cycle (see -dist) before it is written, so the share
// of responses in each delay tier is known exactly, and so is the tier in
// which each percentile of the latency must fall.
//
//	GOMAXPROCS=1 taskset -c 0 go run ./latency -addr 127.0.0.1:8090
//	taskset -c 1 wrk -t1 -c64 -d3s --latency http://127.0.0.1:8090/
//	kill <pid>         # prints the truth and the server-side times
//
// On SIGINT or SIGTERM it prints, for p50, p90, p99 and p99.9, the delay
// tier the percentile must fall in and the percentile of the server-side
// time (from a request's head being read to its response's write
// returning). Every client-measured latency is at least its request's
// server-side time, so a generator's percentile below the server-side one
// is wrong, and one far above it is measuring something other than the
// server (its own queueing, or the wrong instants).
//
// It answers "Hello, World!" to any request, reading a Content-Length body
// if there is one; pipelined requests are answered in order, each after
// its own delay.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"math"
	"net"
	"os"
	"os/signal"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

var response = []byte("HTTP/1.1 200 OK\r\nContent-Length: 13\r\nContent-Type: text/plain\r\n\r\nHello, World!")

func main() {
	addr := flag.String("addr", "127.0.0.1:8090", "listen address")
	dist := flag.String("dist", "0:40,5ms:45,10ms:12,20ms:3", "delay:weight tiers of each connection's response cycle")
	flag.Parse()
	sched, err := parseSchedule(*dist)
	if err != nil {
		fmt.Fprintln(os.Stderr, "latency:", err)
		os.Exit(2)
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "latency:", err)
		os.Exit(1)
	}
	var (
		mu    sync.Mutex
		times []time.Duration // guarded by mu: server-side times of closed connections
		open  = map[net.Conn]bool{}
		wg    sync.WaitGroup
	)
	go func() {
		for id := 0; ; id++ {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			open[c] = true
			mu.Unlock()
			wg.Go(func() {
				t := serve(c, sched, id*13)
				c.Close()
				mu.Lock()
				times = append(times, t...)
				delete(open, c)
				mu.Unlock()
			})
		}
	}()
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	<-sig
	ln.Close()
	mu.Lock()
	for c := range open {
		c.Close()
	}
	mu.Unlock()
	wg.Wait()
	report(os.Stdout, sched, times)
}

// serve answers requests on c until it fails, returning the server-side
// time of every response written.
func serve(c net.Conn, sched *schedule, offset int) []time.Duration {
	br := bufio.NewReader(c)
	var times []time.Duration
	for k := offset; ; k++ {
		if err := readRequest(br); err != nil {
			return times
		}
		start := time.Now()
		if d := sched.slots[k%len(sched.slots)]; d > 0 {
			time.Sleep(d)
		}
		if _, err := c.Write(response); err != nil {
			return times
		}
		times = append(times, time.Since(start))
	}
}

// readRequest reads one request head and its Content-Length body.
func readRequest(br *bufio.Reader) error {
	length := 0
	for {
		line, err := br.ReadSlice('\n')
		if err != nil {
			return err
		}
		s := strings.TrimRight(string(line), "\r\n")
		if s == "" {
			break
		}
		if name, v, ok := strings.Cut(s, ":"); ok && strings.EqualFold(strings.TrimSpace(name), "Content-Length") {
			if length, err = strconv.Atoi(strings.TrimSpace(v)); err != nil || length < 0 {
				return fmt.Errorf("bad Content-Length %q", v)
			}
		}
	}
	_, err := br.Discard(length)
	return err
}

// report prints the truth and the server-side percentiles.
func report(w io.Writer, sched *schedule, times []time.Duration) {
	slices.Sort(times)
	fmt.Fprintf(w, "responses %d\n", len(times))
	fmt.Fprintf(w, "%-6s %12s %14s\n", "", "tier (truth)", "server-side")
	for _, p := range []float64{50, 90, 99, 99.9} {
		fmt.Fprintf(w, "p%-5v %12v %14v\n", p, sched.quantile(p), percentile(times, p))
	}
}

// percentile returns the smallest sample that p percent of the sorted
// samples do not exceed, or 0 when there are none.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(math.Ceil(float64(len(sorted))*p/100)) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}
