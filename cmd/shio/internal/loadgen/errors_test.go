package loadgen_test

import (
	"bufio"
	"context"
	"io"
	"net"
	"testing"
	"testing/synctest"
	"time"

	"github.com/shio-rt/shio/cmd/shio/internal/loadgen"
)

// TestMisbehavingServersAreCountedByKind runs three requests, one per
// connection attempt, against servers that each break HTTP in one way, and
// checks that every request is counted as exactly one error of the right
// kind.
func TestMisbehavingServersAreCountedByKind(t *testing.T) {
	cases := []struct {
		name  string
		reply string // written after the request; then the server closes
		kind  loadgen.Kind
	}{
		{"closes mid-response", "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nabc", loadgen.KindTruncated},
		{"closes mid-header", "HTTP/1.1 200 OK\r\nContent-Le", loadgen.KindTruncated},
		{"closes before response", "", loadgen.KindClosed},
		{"bad status line", "HTTX/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", loadgen.KindStatusLine},
		{"status out of range", "HTTP/1.1 999 What\r\nContent-Length: 0\r\n\r\n", loadgen.KindStatusLine},
		{"header without colon", "HTTP/1.1 200 OK\r\nbogus\r\n\r\n", loadgen.KindHeader},
		{"conflicting lengths", "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nx", loadgen.KindHeader},
		{"bad chunk size", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", loadgen.KindChunk},
		{"chunk longer than its size", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n0\r\n\r\n", loadgen.KindChunk},
		{"chunked body cut off", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n10\r\nabc", loadgen.KindTruncated},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			addr := scriptServer(t, func(c net.Conn, br *bufio.Reader) {
				if readRequest(br) == nil {
					io.WriteString(c, tc.reply)
				}
			})
			g, err := loadgen.NewHTTP(loadgen.HTTPConfig{URL: "http://" + addr + "/", Requests: 3})
			if err != nil {
				t.Fatal(err)
			}
			res, err := g.Run(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if res.Errors[tc.kind] != 3 || res.ErrorCount() != 3 || res.Requests != 0 {
				t.Errorf("errors %v (want 3 of %q), requests %d", res.Errors, tc.kind, res.Requests)
			}
			if res.Connects != 3 {
				t.Errorf("%d connects, want 3 (one per broken connection)", res.Connects)
			}
		})
	}
}

// TestPipelinedRequestsLostToACloseAreAbandoned checks that when a server
// answers one of four pipelined requests and closes, the other three are
// counted: one as closed before its response, two as abandoned.
func TestPipelinedRequestsLostToACloseAreAbandoned(t *testing.T) {
	addr := scriptServer(t, func(c net.Conn, br *bufio.Reader) {
		for range 4 {
			if readRequest(br) != nil {
				return
			}
		}
		io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
	})
	g, _ := loadgen.NewHTTP(loadgen.HTTPConfig{URL: "http://" + addr + "/", Requests: 4, Pipeline: 4})
	res, err := g.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if res.Requests != 1 || res.Errors[loadgen.KindClosed] != 1 || res.Errors[loadgen.KindAbandoned] != 2 {
		t.Errorf("requests %d, errors %v", res.Requests, res.Errors)
	}
}

// TestConnectionCloseReconnects checks that "Connection: close" responses
// are successes, followed by a new connection.
func TestConnectionCloseReconnects(t *testing.T) {
	addr := scriptServer(t, func(c net.Conn, br *bufio.Reader) {
		if readRequest(br) == nil {
			io.WriteString(c, "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok")
		}
	})
	g, _ := loadgen.NewHTTP(loadgen.HTTPConfig{URL: "http://" + addr + "/", Requests: 5})
	res, err := g.Run(context.Background())
	if err != nil || res.Requests != 5 || res.ErrorCount() != 0 || res.Connects != 5 {
		t.Fatalf("err %v, requests %d, errors %v, connects %d", err, res.Requests, res.Errors, res.Connects)
	}
}

// TestSlowServerTimesOut uses virtual time: a server that never answers
// costs each request one timeout, and the run still ends at its deadline.
func TestSlowServerTimesOut(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		dial, wait := pipeDialer(func(c net.Conn, br *bufio.Reader) {
			readRequest(br) // and never answer
		})
		defer wait()
		g, _ := loadgen.NewHTTP(loadgen.HTTPConfig{URL: "http://slow/", Dial: dial, Timeout: time.Second})
		ctx, cancel := context.WithTimeout(context.Background(), 3500*time.Millisecond)
		defer cancel()
		start := time.Now()
		res, err := g.Run(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if got := time.Since(start); got != 3500*time.Millisecond {
			t.Errorf("run took %v, want its 3.5s deadline", got)
		}
		// Each timeout fires between 3/4 of the timeout and the timeout, so
		// 3.5s holds 3 or 4 of them.
		if n := res.Errors[loadgen.KindTimeout]; n < 3 || n > 4 || res.ErrorCount() != n {
			t.Errorf("errors %v, want 3 or 4 timeouts only", res.Errors)
		}
	})
}
