// Command echoload drives an echo server with fixed-size messages from
// connections on a shio reactor (reactor.Dial), and reports messages per
// second; or, with -idle, opens connections, exchanges one message on
// each and holds them open until stdin closes.
//
// The load runs on a shio reactor (reactor.Dial and the event API), which
// keeps the generator cheap enough that one core can drive one server
// core.
//
//	echoload -addr 127.0.0.1:7000 -conns 64 -size 64 -pipeline 1 -duration 3s
//	echoload -addr 127.0.0.1:7000 -idle 19000
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/shio-rt/shio/reactor"
)

// load keeps pipeline messages in flight on every connection: each
// complete echo received sends one more.
type load struct {
	msg      []byte
	pipeline int
	count    atomic.Uint64
	counting atomic.Bool
}

type connState struct{ partial int }

func (l *load) OnOpen(c *reactor.Conn) {
	c.Attach(&connState{})
	for range l.pipeline {
		c.Write(l.msg)
	}
}

func (l *load) OnData(c *reactor.Conn, data []byte) int {
	st := c.Attachment().(*connState)
	st.partial += len(data)
	done := st.partial / len(l.msg)
	st.partial %= len(l.msg)
	if done > 0 {
		if l.counting.Load() {
			l.count.Add(uint64(done))
		}
		for range done {
			c.Write(l.msg)
		}
	}
	return len(data)
}

func (l *load) OnClose(*reactor.Conn, error) {}

// holdIdle opens n connections with plain net.Dial (source addresses
// spread over 127.0.0.2-17 so the kernel's ephemeral-port search stays
// fast), exchanges one message on each, and keeps them open without a
// goroutine each.
func holdIdle(addr string, n int) ([]net.Conn, error) {
	conns := make([]net.Conn, n)
	var failed atomic.Value
	var wg sync.WaitGroup
	next := atomic.Int64{}
	for range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			buf := make([]byte, 4)
			for {
				i := next.Add(1) - 1
				if i >= int64(n) {
					return
				}
				d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, byte(2+i%16))}}
				c, err := d.Dial("tcp", addr)
				if err == nil {
					_, err = c.Write([]byte("ping"))
				}
				if err == nil {
					_, err = io.ReadFull(c, buf)
				}
				if err != nil {
					failed.Store(err)
					return
				}
				conns[i] = c
			}
		}()
	}
	wg.Wait()
	if err, ok := failed.Load().(error); ok {
		return nil, err
	}
	return conns, nil
}

func main() {
	addr := flag.String("addr", "127.0.0.1:7000", "server address")
	conns := flag.Int("conns", 64, "connections")
	size := flag.Int("size", 64, "message size in bytes")
	pipeline := flag.Int("pipeline", 1, "messages in flight per connection")
	warmup := flag.Duration("warmup", 500*time.Millisecond, "time before counting")
	duration := flag.Duration("duration", 3*time.Second, "counting time")
	nIdle := flag.Int("idle", 0, "open this many idle connections, print ready, hold until stdin closes")
	flag.IntVar(&serverPID, "serverpid", 0, "report this process's CPU time per message over the counting window")
	flag.Parse()
	if err := run(*addr, *conns, *size, *pipeline, *warmup, *duration, *nIdle); err != nil {
		fmt.Fprintln(os.Stderr, "echoload:", err)
		os.Exit(1)
	}
}

func dialAll(r *reactor.Reactor, addr string, n int) error {
	ctx := context.Background()
	var failed atomic.Value
	var wg sync.WaitGroup
	next := atomic.Int64{}
	for range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for next.Add(1) <= int64(n) {
				if _, err := r.Dial(ctx, "tcp", addr); err != nil {
					failed.Store(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	if err, ok := failed.Load().(error); ok {
		return err
	}
	return nil
}

func run(addr string, conns, size, pipeline int, warmup, duration time.Duration, nIdle int) error {
	if nIdle > 0 {
		conns, err := holdIdle(addr, nIdle)
		if err != nil {
			return err
		}
		fmt.Println("ready")
		io.Copy(io.Discard, os.Stdin)
		for _, c := range conns {
			c.Close()
		}
		return nil
	}
	l := &load{msg: bytes.Repeat([]byte{'m'}, size), pipeline: pipeline}
	r, err := reactor.New(reactor.Config{IdleTimeout: -1}, l)
	if err != nil {
		return err
	}
	defer r.Close()
	if err := dialAll(r, addr, conns); err != nil {
		return err
	}
	time.Sleep(warmup)
	cpu0, user0 := cpuTime(serverPID)
	l.counting.Store(true)
	start := time.Now()
	time.Sleep(duration)
	n := l.count.Load()
	el := time.Since(start)
	cpu1, user1 := cpuTime(serverPID)
	per := func(d time.Duration) float64 { return float64(d.Microseconds()) / float64(max(n, 1)) }
	fmt.Printf("%d msgs %.0f msgs/s %.2f us/msg %.2f user_us/msg\n", n, float64(n)/el.Seconds(), per(cpu1-cpu0), per(user1-user0))
	return nil
}

var serverPID int

// cpuTime returns the user+system and the user CPU time of process pid
// from /proc/PID/stat, or zeros.
func cpuTime(pid int) (total, user time.Duration) {
	if pid == 0 {
		return 0, 0
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, 0
	}
	// Fields after the command name, which is in parentheses.
	f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+2:]))
	if len(f) < 13 {
		return 0, 0
	}
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(ut+st) * time.Second / clockTicks, time.Duration(ut) * time.Second / clockTicks
}

// clockTicks is USER_HZ, 100 on every Linux this runs on.
const clockTicks = 100
