package http1_test

import (
	"bufio"
	"crypto/sha256"
	"crypto/tls"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/shio-rt/shio/http1"
)

// cutConn writes each write in pieces of random sizes, each its own
// segment (TCP_NODELAY), so that the server's reads end anywhere in a TLS
// record: inside a header, just after one, inside a body.
type cutConn struct {
	*net.TCPConn
	rng *rand.Rand
	max int
}

func (c *cutConn) Write(p []byte) (int, error) {
	n := 0
	for len(p) > 0 {
		k := min(len(p), 1+c.rng.IntN(c.max))
		m, err := c.TCPConn.Write(p[:k])
		n += m
		if err != nil {
			return n, err
		}
		p = p[k:]
	}
	return n, nil
}

// TestHTTPSUploadIsDecodedStraightIntoTheHandlersBuffer: an HTTPS upload
// read with large buffers is decoded by the TLS layer into the Handler's
// buffer from the handler's goroutine (reactor.Conn.TryRead), and arrives
// intact whatever the cut of the ciphertext on the wire, the Handler's
// read sizes (small ones go through the loop, large ones straight) and
// the TLS version; a pipelined request behind the body is served after.
func TestHTTPSUploadIsDecodedStraightIntoTheHandlersBuffer(t *testing.T) {
	if portable {
		t.Skip("the portable reactor has no direct read (reactor.Conn.TryRead is unsupported outside Linux): its goroutine reads every byte into its own buffer")
	}
	seed := rand.Uint64()
	t.Logf("seed %d", seed)
	sums := make(chan string, 1)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/after" {
			io.WriteString(w, "after")
			return
		}
		var rs uint64
		fmt.Sscan(r.Header.Get("X-Seed"), &rs)
		rng := rand.New(rand.NewPCG(rs, 3))
		d := sha256.New()
		buf := make([]byte, 256<<10)
		for {
			k := 1 + rng.IntN(len(buf))
			if rng.IntN(3) == 0 {
				k = 1 + rng.IntN(20000) // some through the loop's path
			}
			n, err := r.Body.Read(buf[:k])
			d.Write(buf[:n])
			if err == io.EOF {
				break
			}
			if err != nil {
				sums <- "error: " + err.Error()
				return
			}
		}
		sum := fmt.Sprintf("%x", d.Sum(nil))
		sums <- sum
		io.WriteString(w, sum)
	})
	s := &http1.Server{Handler: h}
	addr, _, roots := serveTLS(t, s)
	before := loopTotals(s)
	rng := rand.New(rand.NewPCG(seed, 1))
	for _, version := range []uint16{tls.VersionTLS12, tls.VersionTLS13} {
		for _, piece := range []int{7, 300, 1500, 40000} {
			raw, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			raw.(*net.TCPConn).SetNoDelay(true)
			cc := &cutConn{TCPConn: raw.(*net.TCPConn), rng: rand.New(rand.NewPCG(seed, uint64(piece))), max: piece}
			c := tls.Client(cc, &tls.Config{RootCAs: roots, ServerName: "127.0.0.1", MinVersion: version, MaxVersion: version})
			c.SetDeadline(time.Now().Add(60 * time.Second))
			size := 1<<20 + rng.IntN(1<<20)
			if piece < 300 {
				size = 200<<10 + rng.IntN(100<<10) // a byte at a time is slow
			}
			body := make([]byte, size)
			for i := range body {
				body[i] = byte(rng.Uint32())
			}
			want := fmt.Sprintf("%x", sha256.Sum256(body))
			wrng := rand.New(rand.NewPCG(seed, uint64(piece)+7))
			done := make(chan error, 1)
			go func() {
				_, err := fmt.Fprintf(c, "POST / HTTP/1.1\r\nHost: x\r\nX-Seed: %d\r\nContent-Length: %d\r\n\r\n", seed+uint64(piece), size)
				for b := body; len(b) > 0 && err == nil; {
					k := min(len(b), 1+wrng.IntN(70000)) // records of every size up to 16 KiB
					_, err = c.Write(b[:k])
					b = b[k:]
				}
				if err == nil {
					_, err = io.WriteString(c, "GET /after HTTP/1.1\r\nHost: x\r\n\r\n")
				}
				done <- err
			}()
			br := bufio.NewReader(c)
			for _, w := range []struct{ method, text string }{{"POST", want}, {"GET", "after"}} {
				res, err := http.ReadResponse(br, &http.Request{Method: w.method})
				if err != nil {
					t.Fatalf("TLS %x, pieces up to %d: %v", version, piece, err)
				}
				b, _ := io.ReadAll(res.Body)
				if string(b) != w.text {
					t.Fatalf("TLS %x, pieces up to %d: %s answered %q, want %q", version, piece, w.method, b, w.text)
				}
			}
			if got := <-sums; got != want {
				t.Fatalf("TLS %x, pieces up to %d: the Handler read %s", version, piece, got)
			}
			if err := <-done; err != nil {
				t.Fatal(err)
			}
			c.Close()
		}
	}
	if d := loopTotals(s).DirectReads - before.DirectReads; d == 0 {
		t.Errorf("no ciphertext of the uploads was read by the Handler's goroutine")
	}
}

// flipConn flips one byte of what it writes, at offset at of the stream.
type flipConn struct {
	net.Conn
	off, at int
}

func (c *flipConn) Write(p []byte) (int, error) {
	if c.off <= c.at && c.at < c.off+len(p) {
		p = append([]byte(nil), p...)
		p[c.at-c.off] ^= 0x55
	}
	c.off += len(p)
	return c.Conn.Write(p)
}

// TestHTTPSUploadEndsCleanlyWhenItsStreamBreaks: a body read straight
// into the Handler's buffer sees an error, never a hang or bytes that were
// not sent, when the client's stream breaks in the middle: a record that
// fails authentication (the connection closes), or close_notify before
// the body's end.
func TestHTTPSUploadEndsCleanlyWhenItsStreamBreaks(t *testing.T) {
	errs := make(chan error, 1)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		buf := make([]byte, 64<<10)
		var err error
		for err == nil {
			_, err = r.Body.Read(buf)
		}
		errs <- err
	})
	s := &http1.Server{Handler: h}
	addr, _, roots := serveTLS(t, s)
	const size = 4 << 20
	for _, brk := range []string{"corrupt record", "close_notify"} {
		raw, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		fc := &flipConn{Conn: raw, at: -1}
		c := tls.Client(fc, &tls.Config{RootCAs: roots, ServerName: "127.0.0.1"})
		c.SetDeadline(time.Now().Add(30 * time.Second))
		if err := c.Handshake(); err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(c, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n", size)
		chunk := make([]byte, 64<<10)
		for range 8 {
			c.Write(chunk)
		}
		if brk == "corrupt record" {
			fc.at = fc.off + 100 // inside the next record's ciphertext
			for range 8 {
				if _, err := c.Write(chunk); err != nil {
					break
				}
			}
		} else {
			c.CloseWrite()
		}
		select {
		case err := <-errs:
			if err == io.EOF || err == nil {
				t.Fatalf("%s: the Handler's Read ended with %v, want an error", brk, err)
			}
			t.Logf("%s: the Handler's Read: %v", brk, err)
		case <-time.After(20 * time.Second):
			t.Fatalf("%s: the Handler's Read did not return", brk)
		}
		c.Close()
	}
}
