package loadgen_test

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"os"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/shio-rt/shio/cmd/shio/internal/loadgen"
)

// TestIdleHoldsConnectionsFromSpreadSources opens 50 connections, 20 per
// source address, against a server that drops those from 127.0.0.2, and
// checks the count held, the sources seen, and the count still alive.
func TestIdleHoldsConnectionsFromSpreadSources(t *testing.T) {
	var mu sync.Mutex
	sources := map[string]int{}
	addr := scriptServer(t, func(c net.Conn, br *bufio.Reader) {
		ip := c.RemoteAddr().(*net.TCPAddr).IP.String()
		if ip == "127.0.0.2" {
			c.Close() // before counting it: the count means "closed"
		}
		mu.Lock()
		sources[ip]++
		mu.Unlock()
		io.Copy(io.Discard, br)
	})
	g, err := loadgen.NewIdle(loadgen.IdleConfig{Addr: addr, Conns: 50, PerSource: 20, PID: os.Getpid()})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan struct{})
	var res *loadgen.IdleResult
	go func() {
		defer close(done)
		res, err = g.Run(ctx)
	}()
	deadline := time.Now().Add(10 * time.Second)
	for g.Progress().Conns < 50 && time.Now().Before(deadline) {
		runtime.Gosched()
	}
	// Wait until the server has seen them all, so its closes have happened.
	for time.Now().Before(deadline) {
		mu.Lock()
		n := sources["127.0.0.1"] + sources["127.0.0.2"] + sources["127.0.0.3"]
		mu.Unlock()
		if n == 50 {
			break
		}
		runtime.Gosched()
	}
	cancel()
	<-done
	if err != nil {
		t.Fatal(err)
	}
	if res.Held != 50 || res.Sources != 3 || res.ErrorCount() != 0 {
		t.Errorf("held %d, sources %d, errors %v", res.Held, res.Sources, res.Errors)
	}
	if sources["127.0.0.1"] != 20 || sources["127.0.0.2"] != 20 || sources["127.0.0.3"] != 10 {
		t.Errorf("server saw sources %v", sources)
	}
	if res.Alive != 30 {
		t.Errorf("%d alive, want 30 (those from 127.0.0.2 were closed)", res.Alive)
	}
	if res.Before == nil || res.After == nil || res.After.RSS <= 0 {
		t.Errorf("proc samples %+v %+v (%v)", res.Before, res.After, res.ProcErr)
	}
}

func TestIdleSpreadsOverAtMost254Sources(t *testing.T) {
	if _, err := loadgen.NewIdle(loadgen.IdleConfig{Addr: "127.0.0.1:80", Conns: 254, PerSource: 1}); err != nil {
		t.Errorf("254 sources refused: %v", err)
	}
	if _, err := loadgen.NewIdle(loadgen.IdleConfig{Addr: "127.0.0.1:80", Conns: 255, PerSource: 1}); !errors.Is(err, loadgen.ErrConfig) {
		t.Errorf("255 sources: err %v, want ErrConfig", err)
	}
	// Off loopback there is no spreading, and no limit but the kernel's.
	if _, err := loadgen.NewIdle(loadgen.IdleConfig{Addr: "10.0.0.1:80", Conns: 30000}); err != nil {
		t.Errorf("30000 connections to 10.0.0.1 refused: %v", err)
	}
}

func TestIdleReportsUnreachableServer(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	g, _ := loadgen.NewIdle(loadgen.IdleConfig{Addr: addr, Conns: 10})
	res, err := g.Run(context.Background()) // must not wait for ctx: nothing to hold
	if err == nil || res.Held != 0 || res.Errors[loadgen.KindConnect] != 10 {
		t.Fatalf("err %v, result %+v", err, res)
	}
}
