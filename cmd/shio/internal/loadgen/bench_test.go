package loadgen_test

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/shio-rt/shio/cmd/shio/internal/loadgen"
)

// instantConn is an in-memory server that answers every request at once:
// each Write of whole requests makes as many canned responses readable. It
// isolates the generator's own cost per request from any network.
type instantConn struct {
	reqLen  int
	resp    []byte
	pending int // responses owed
	partial int // bytes of the next response already read
}

func (c *instantConn) Write(p []byte) (int, error) {
	c.pending += len(p) / c.reqLen
	return len(p), nil
}

func (c *instantConn) Read(p []byte) (int, error) {
	n := 0
	for c.pending > 0 && n < len(p) {
		m := copy(p[n:], c.resp[c.partial:])
		n += m
		c.partial += m
		if c.partial == len(c.resp) {
			c.partial = 0
			c.pending--
		}
	}
	return n, nil
}

func (c *instantConn) Close() error                       { return nil }
func (c *instantConn) LocalAddr() net.Addr                { return &net.TCPAddr{} }
func (c *instantConn) RemoteAddr() net.Addr               { return &net.TCPAddr{} }
func (c *instantConn) SetDeadline(t time.Time) error      { return nil }
func (c *instantConn) SetReadDeadline(t time.Time) error  { return nil }
func (c *instantConn) SetWriteDeadline(t time.Time) error { return nil }

// BenchmarkHTTPGeneratorPerRequest measures what the generator itself spends
// per request (encoding, parsing, timing, recording) with the network taken
// out: one op is one request and response on one connection.
func BenchmarkHTTPGeneratorPerRequest(b *testing.B) {
	const reqLen = len("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	resp := []byte("HTTP/1.1 200 OK\r\nDate: Wed, 25 Nov 2026 22:00:00 GMT\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 13\r\n\r\nHello, World!")
	for _, pipeline := range []int{1, 16} {
		b.Run("pipeline="+string(rune('0'+pipeline/10))+string(rune('0'+pipeline%10)), func(b *testing.B) {
			dial := func(ctx context.Context, addr string) (net.Conn, error) {
				return &instantConn{reqLen: reqLen, resp: resp}, nil
			}
			const perRun = 10000
			b.ReportAllocs()
			for b.Loop() {
				g, _ := loadgen.NewHTTP(loadgen.HTTPConfig{URL: "http://x/", Requests: perRun, Pipeline: pipeline, Dial: dial})
				res, err := g.Run(context.Background())
				if err != nil || res.Requests != perRun {
					b.Fatalf("err %v, %d requests", err, res.Requests)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*perRun), "ns/request")
		})
	}
}

// echoConn is an in-memory echo server: whatever is written is read back.
type echoConn struct {
	instantConn
	buf []byte
}

func (c *echoConn) Write(p []byte) (int, error) { c.buf = append(c.buf, p...); return len(p), nil }
func (c *echoConn) Read(p []byte) (int, error) {
	n := copy(p, c.buf)
	c.buf = c.buf[:copy(c.buf, c.buf[n:])]
	return n, nil
}

// TestSteadyStateAllocatesNothingPerRequest pins the hot path: a run of
// 20000 requests (or echo messages) allocates at most 20 more times than a
// run of 200 (one allocation per thousand requests; the race detector adds
// a few of its own), so requests themselves do not allocate.
func TestSteadyStateAllocatesNothingPerRequest(t *testing.T) {
	const reqLen = len("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	resp := []byte("HTTP/1.1 200 OK\r\nContent-Length: 13\r\n\r\nHello, World!")
	httpRun := func(n int64, pipeline int) func() {
		return func() {
			dial := func(ctx context.Context, addr string) (net.Conn, error) {
				return &instantConn{reqLen: reqLen, resp: resp}, nil
			}
			g, _ := loadgen.NewHTTP(loadgen.HTTPConfig{URL: "http://x/", Requests: n, Pipeline: pipeline, Dial: dial})
			if res, err := g.Run(context.Background()); err != nil || res.Requests != n {
				t.Fatalf("err %v, %d requests", err, res.Requests)
			}
		}
	}
	echoRun := func(n int64, pipeline int) func() {
		return func() {
			dial := func(ctx context.Context, addr string) (net.Conn, error) {
				return &echoConn{buf: make([]byte, 0, 64*pipeline)}, nil
			}
			g, _ := loadgen.NewEcho(loadgen.EchoConfig{Addr: "x:1", Messages: n, Pipeline: pipeline, Dial: dial})
			if res, err := g.Run(context.Background()); err != nil || res.Requests != n {
				t.Fatalf("err %v, %d messages", err, res.Requests)
			}
		}
	}
	for name, run := range map[string]func(int64, int) func(){"http": httpRun, "echo": echoRun} {
		for _, pipeline := range []int{1, 8} {
			small := testing.AllocsPerRun(5, run(200, pipeline))
			large := testing.AllocsPerRun(5, run(20000, pipeline))
			if large > small+20 {
				t.Errorf("%s pipeline %d: %v allocations for 20000, %v for 200: requests allocate", name, pipeline, large, small)
			}
		}
	}
}
