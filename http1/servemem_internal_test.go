package http1

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"github.com/shio-rt/shio/internal/obs"
)

// memTransport feeds a conn the same batch of pipelined requests rounds
// times and discards its responses, so that a benchmark measures the
// request path's user-space work alone: no syscalls, no goroutine hand-off.
type memTransport struct {
	batch  []byte
	rounds int
	out    int   // response bytes written
	reqAt  int64 // when the batch arrived, as rconn.reqAt
}

func (t *memTransport) Read([]byte) (int, error)    { return 0, io.EOF }
func (t *memTransport) tryRead([]byte) (int, error) { return 0, nil }
func (t *memTransport) Write(p []byte) (int, error) { t.out += len(p); return len(p), nil }
func (t *memTransport) Close() error                { return nil }
func (t *memTransport) writev(head, p []byte) (int, error) {
	t.out += len(head) + len(p)
	return len(p), nil
}
func (t *memTransport) readTimeout(time.Duration)        {}
func (t *memTransport) readDeadline(time.Time)           {}
func (t *memTransport) writeTimeout(time.Duration)       {}
func (t *memTransport) writeDeadline(time.Time)          {}
func (t *memTransport) begin(ctx *requestContext)        { beginTask(ctx, t.reqAt) } // as rconn
func (t *memTransport) end(ctx *requestContext)          { endTask(ctx); ctx.cancel(context.Canceled) }
func (t *memTransport) watchPeer(*conn, *requestContext) {}
func (t *memTransport) sendFile([]byte, *os.File, int64, int64) (int64, error) {
	return 0, errors.ErrUnsupported
}
func (t *memTransport) hijack(*conn) (net.Conn, io.Reader, error) {
	return nil, nil, errors.ErrUnsupported
}

func (t *memTransport) pipelined(*conn) {}

func (t *memTransport) fillHead(c *conn, _ bool) headResult {
	if !c.flush() {
		return headClose
	}
	if c.r < c.w || t.rounds == 0 {
		return headClose
	}
	t.rounds--
	c.r, c.w = 0, copy(c.buf, t.batch)
	c.now = time.Now() // as the reactor's loop does
	t.reqAt = obs.At(c.now)
	return headMore
}

// BenchmarkServeMemory is the request path of wrk's pipelined load (16 GET
// / per read, the bench server's hello Handler) on an in-memory transport,
// and of 16 requests with seven fields (the same ones, or each with its own
// target, Cookie and User-Agent); one op is 1,024 requests; cpu-ns/req is
// the process's CPU time (user and system, the garbage collector included)
// per request. It isolates the user CPU per request that the pinned runs of
// bench/abcompare.sh measure beside the kernel's.
// SHIO_OBS_LEVEL=counters or full runs it at that collection level (see
// docs/observability.md).
func BenchmarkServeMemory(b *testing.B) {
	switch os.Getenv("SHIO_OBS_LEVEL") {
	case "counters":
		obs.SetLevel(obs.Counters)
		defer obs.SetLevel(obs.Off)
	case "full":
		obs.SetLevel(obs.Full)
		defer obs.SetLevel(obs.Off)
	}
	headers := func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Type", "application/json")
		h.Set("Cache-Control", "no-store")
		h.Set("X-Request-Id", "42")
		w.Write([]byte(`{"id":7}`))
	}
	const headersReq = "GET /api/items?id=7 HTTP/1.1\r\nHost: example.com\r\nUser-Agent: Mozilla/5.0\r\nAccept: */*\r\n" +
		"Accept-Encoding: gzip, deflate\r\nAccept-Language: en-US\r\nCookie: session=abc123\r\n\r\n"
	for _, tc := range []struct {
		name string
		req  string
		h    http.HandlerFunc
		vary bool
	}{
		{"hello", "GET / HTTP/1.1\r\nHost: localhost:8080\r\n\r\n",
			func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("Hello, World!")) }, false},
		{"headers", headersReq, headers, false},
		{"headers-varied", headersReq, headers, true},
	} {
		b.Run(tc.name, func(b *testing.B) {
			var batch []byte
			for i := range 16 {
				req := tc.req
				if tc.vary {
					// Every request its own target, Cookie and User-Agent:
					// the memos of the last head (headMemo, the parser's)
					// miss on them.
					req = strings.NewReplacer("id=7", fmt.Sprintf("id=%d", i), "abc123", fmt.Sprintf("abc%03d", i),
						"Mozilla/5.0", fmt.Sprintf("Mozilla/5.%d", i)).Replace(req)
				}
				batch = append(batch, req...)
			}
			s := &Server{Handler: tc.h}
			b.ReportAllocs()
			var ru0, ru1 syscall.Rusage
			syscall.Getrusage(syscall.RUSAGE_SELF, &ru0)
			for b.Loop() {
				t := &memTransport{batch: batch, rounds: 64}
				c := newConn(s, nil)
				c.rwc = t
				c.buf = make([]byte, 4096)
				c.run(context.Background())
			}
			syscall.Getrusage(syscall.RUSAGE_SELF, &ru1)
			cpu := time.Duration(ru1.Utime.Nano() - ru0.Utime.Nano() + ru1.Stime.Nano() - ru0.Stime.Nano())
			b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N)/1024, "cpu-ns/req")
		})
	}
}

// TestRequestStateFitsItsSizeClass guards the size classes of the one
// block every request allocates besides its header map (its
// http.Request, context, URL and room for field values): past them, every
// request costs 64 bytes or more of garbage.
func TestRequestStateFitsItsSizeClass(t *testing.T) {
	if n := unsafe.Sizeof(requestState{}); n > 576 {
		t.Fatalf("requestState is %d bytes, want at most 576", n)
	}
	if n := unsafe.Sizeof(requestState4{}); n > 640 {
		t.Fatalf("requestState4 is %d bytes, want at most 640", n)
	}
	if n := unsafe.Sizeof(requestState8{}); n > 704 {
		t.Fatalf("requestState8 is %d bytes, want at most 704", n)
	}
}

// TestRequestTaskDoesNotAllocate guards that recording a request at the
// Counters level allocates nothing: its obs.Task is embedded in the
// request's context (at Full it has a record of its own, which outlives the
// request in the ring of finished tasks).
func TestRequestTaskDoesNotAllocate(t *testing.T) {
	obs.SetLevel(obs.Counters)
	defer obs.SetLevel(obs.Off)
	ctx := new(requestContext)
	at := obs.Now()
	beginTask(ctx, at)
	if obs.FromContext(ctx) != &ctx.task {
		t.Fatal("the request's context does not answer obs.Key with its task")
	}
	endTask(ctx)
	if testing.Short() {
		t.Skip("measures allocations")
	}
	if n := testing.AllocsPerRun(100, func() {
		*ctx = requestContext{}
		beginTask(ctx, at)
		endTask(ctx)
	}); n != 0 {
		t.Errorf("a request's task at the Counters level: %v allocations, want 0", n)
	}
}

// BenchmarkRequestTask is what a request costs the collector on its own
// (rconn's part: its arrival time from the clock already read, then
// beginTask and endTask), at each level, beside "none" (the loop alone):
// one op is one request.
func BenchmarkRequestTask(b *testing.B) {
	now := time.Now()
	b.Run("none", func(b *testing.B) {
		for b.Loop() {
			var ctx requestContext
			sinkTask = ctx.task
		}
	})
	for _, l := range []obs.Level{obs.Off, obs.Counters, obs.Full} {
		b.Run(l.String(), func(b *testing.B) {
			obs.SetLevel(l)
			defer obs.SetLevel(obs.Off)
			b.ReportAllocs()
			for b.Loop() {
				var ctx requestContext
				beginTask(&ctx, obs.At(now))
				endTask(&ctx)
				sinkTask = ctx.task
			}
		})
	}
}

var sinkTask obs.Task
