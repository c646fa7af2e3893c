package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/shio-rt/shio/ws"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// freeAddr returns a loopback address that was free a moment ago.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// waitListening polls until something accepts connections on addr.
func waitListening(t *testing.T, addr string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.Dial("tcp", addr)
		if err == nil {
			c.Close()
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("nothing listens on %s: %v", addr, err)
		}
		time.Sleep(10 * time.Millisecond) // polling with a deadline, not synchronisation
	}
}

// start runs a subcommand until the test ends, and checks that it returns
// nil once its context is cancelled.
func start(t *testing.T, run func(context.Context, []string, io.Writer) error, args ...string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- run(ctx, args, io.Discard) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("shutdown returned %v", err)
			}
		case <-time.After(20 * time.Second):
			t.Error("the command did not shut down within 20s of Ctrl-C")
		}
	})
}

func TestEchoServesAndBenchVerifiesIt(t *testing.T) {
	addr := freeAddr(t)
	start(t, runEcho, "--addr", addr)
	waitListening(t, addr)
	err := runBench(context.Background(), []string{"--echo", "--size", "64", "-c", "4", "-n", "2000", "--json", "tcp://" + addr}, io.Discard)
	if err != nil {
		t.Fatalf("shio bench --echo against shio echo: %v", err)
	}
}

// TestEchoWS: shio echo --ws echoes text as text and binary as binary,
// accepts permessage-deflate (a client that offers it gets compressed
// echoes), and closes cleanly.
func TestEchoWS(t *testing.T) {
	addr := freeAddr(t)
	start(t, runEcho, "--ws", "--addr", addr)
	waitListening(t, addr)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	d := ws.Dialer{Config: ws.Config{Compression: true}}
	c, resp, err := d.Dial(ctx, "ws://"+addr+"/any/path", nil)
	if err != nil {
		t.Fatal(err)
	}
	if ext := resp.Header.Get("Sec-WebSocket-Extensions"); !strings.HasPrefix(ext, "permessage-deflate") {
		t.Fatalf("permessage-deflate declined: %q", ext)
	}
	for _, typ := range []ws.MessageType{ws.TextMessage, ws.BinaryMessage} {
		msg := bytes.Repeat([]byte("shio "), 20000)
		if err := c.WriteMessage(ctx, typ, msg); err != nil {
			t.Fatal(err)
		}
		gt, got, err := c.ReadMessage(ctx)
		if err != nil || gt != typ || !bytes.Equal(got, msg) {
			t.Fatalf("echo of %v: %v, %d bytes, %v", typ, gt, len(got), err)
		}
	}
	c.Close(ws.StatusNormal, "")
	if _, _, err := c.ReadMessage(ctx); !errors.Is(err, ws.ErrClosed) {
		var ce *ws.CloseError
		if !errors.As(err, &ce) || ce.Code != ws.StatusNormal {
			t.Fatalf("close: %v", err)
		}
	}
}

func TestBenchRejectsBadInput(t *testing.T) {
	for _, args := range [][]string{
		{"ftp://127.0.0.1:1/"},
		{"tcp://127.0.0.1"},
		{"tcp://127.0.0.1:7000"}, // neither --echo nor --idle
		{"--echo", "http://127.0.0.1:1/"},
		{"-c", "-3", "http://127.0.0.1:1/"},
	} {
		if err := runBench(context.Background(), args, io.Discard); err == nil {
			t.Errorf("shio bench %s succeeded; want an error", strings.Join(args, " "))
		}
	}
}

func TestBenchReportsUnreachableHost(t *testing.T) {
	addr := freeAddr(t) // nothing listens there now
	err := runBench(context.Background(), []string{"-c", "2", "-n", "10", "--json", "http://" + addr + "/"}, io.Discard)
	if err == nil {
		t.Fatal("shio bench against a closed port succeeded; want an error")
	}
}
