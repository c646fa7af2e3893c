package main

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/shio-rt/shio/cmd/shio/internal/loadgen"
	"github.com/shio-rt/shio/http1"
	"github.com/shio-rt/shio/ws"
)

// TestBenchWS: shio bench ws:// drives shio echo --ws with either dialer,
// small and fragmented (over 64 KiB) messages, every message verified.
func TestBenchWS(t *testing.T) {
	addr := freeAddr(t)
	start(t, runEcho, "--ws", "--addr", addr)
	waitListening(t, addr)
	for _, args := range [][]string{
		{"--dialer", "shio", "-c", "4", "-n", "2000", "--size", "64"},
		{"--dialer", "net", "-c", "2", "-n", "40", "--size", "100000", "--pipeline", "2"},
		{"-c", "2", "-n", "50", "--rate", "1000"},
	} {
		var out strings.Builder
		err := runBench(context.Background(), append(args, "--json", "ws://"+addr+"/echo"), &out)
		if err != nil {
			t.Fatalf("shio bench %s: %v\n%s", strings.Join(args, " "), err, out.String())
		}
		var rep loadgen.Report
		if err := json.Unmarshal([]byte(out.String()), &rep); err != nil {
			t.Fatal(err)
		}
		n, _ := strconv.Atoi(args[slices.Index(args, "-n")+1])
		if rep.Mode != "ws" || rep.Requests != int64(n) || rep.ErrorSum != 0 {
			t.Errorf("%s: mode %q, %d messages, %d errors", strings.Join(args, " "), rep.Mode, rep.Requests, rep.ErrorSum)
		}
	}
}

// TestBenchWSS: wss:// with --insecure against a self-signed server; without
// it the certificate is refused.
func TestBenchWSS(t *testing.T) {
	cert, err := selfSignedCert()
	if err != nil {
		t.Fatal(err)
	}
	up := &ws.Upgrader{}
	s := &http1.Server{
		TLSConfig: &tls.Config{Certificates: []tls.Certificate{cert}},
		Handler:   http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { up.Accept(w, r, wsEcho{}) }),
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- s.ServeTLS(ln, "", "") }()
	defer func() {
		s.Shutdown(context.Background())
		if err := <-done; !errors.Is(err, http.ErrServerClosed) {
			t.Error(err)
		}
	}()
	u := "wss://" + ln.Addr().String() + "/"
	for _, d := range []string{"shio", "net"} {
		code, out, errOut := shio(t, "bench", u, "--insecure", "--dialer", d, "-c", "2", "-n", "200", "--size", "300")
		if code != 0 || !strings.Contains(out, "messages   200 ") {
			t.Errorf("--dialer %s: exit %d\n%s\n%s", d, code, out, errOut)
		}
	}
	if code, _, errOut := shio(t, "bench", u, "-c", "1", "-n", "1"); code == 0 || !strings.Contains(errOut, "certificate") {
		t.Errorf("self-signed server without --insecure: exit %d, %q", code, errOut)
	}
}

// TestBenchWSIdle: --idle on a ws:// target holds upgraded connections and
// samples the server's memory.
func TestBenchWSIdle(t *testing.T) {
	addr := freeAddr(t)
	start(t, runEcho, "--ws", "--addr", addr)
	waitListening(t, addr)
	var out strings.Builder
	err := runBench(context.Background(), []string{"--idle", "50", "-d", "10ms", "--pid", strconv.Itoa(os.Getpid()), "--json", "ws://" + addr + "/"}, &out)
	if err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	var rep loadgen.Report
	if err := json.Unmarshal([]byte(out.String()), &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Idle == nil || rep.Idle.Held != 50 || rep.Idle.Alive != 50 || rep.Idle.After == nil {
		t.Errorf("idle report %+v", rep.Idle)
	}
}

func TestBenchWSRejectsBadInput(t *testing.T) {
	for _, args := range [][]string{
		{"ws://"},
		{"--idle", "5", "wss://127.0.0.1:1/"},
		{"--echo", "--rate", "10", "tcp://127.0.0.1:1"},
	} {
		if err := runBench(context.Background(), args, io.Discard); err == nil {
			t.Errorf("shio bench %s succeeded; want an error", strings.Join(args, " "))
		}
	}
}
