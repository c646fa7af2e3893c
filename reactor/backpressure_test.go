package reactor_test

import (
	"bytes"
	"errors"
	"io"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/shio-rt/shio/reactor"
)

// meter is an echo handler that records the largest outbound queue any
// connection reached.
type meter struct {
	echo
	mu  sync.Mutex
	max int
}

func (m *meter) OnData(c *reactor.Conn, data []byte) int {
	c.Write(data)
	if b := c.Buffered(); b > 0 {
		m.mu.Lock()
		m.max = max(m.max, b)
		m.mu.Unlock()
	}
	return len(data)
}

func TestSlowReaderCannotGrowServerQueuePastHighWater(t *testing.T) {
	const high, rbuf = 64 << 10, 16 << 10
	m := &meter{}
	r, addr := start(t, reactor.Config{Loops: 1, WriteHighWater: high, ReadBufferSize: rbuf}, m)
	c := dial(t, addr)
	// Send until the kernel buffers on both sides and the server's queue
	// are full and our writes stall: the client never reads.
	chunk := bytes.Repeat([]byte("slow"), 16<<10)
	sent := 0
	for {
		c.SetWriteDeadline(time.Now().Add(300 * time.Millisecond))
		n, err := c.Write(chunk)
		sent += n
		if errors.Is(err, os.ErrDeadlineExceeded) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if sent > 512<<20 {
			t.Fatal("512 MiB accepted from a peer that never reads: no backpressure")
		}
	}
	read := r.Stats().BytesRead
	m.mu.Lock()
	peak := m.max
	m.mu.Unlock()
	// The queue may pass the mark by at most one read's worth.
	if peak > high+rbuf {
		t.Fatalf("queue reached %d bytes, bound is %d", peak, high+rbuf)
	}
	t.Logf("client sent %d bytes before stalling; server read %d, peak queue %d", sent, read, peak)
	// Now read everything back: reading resumes and nothing is lost.
	c.SetWriteDeadline(time.Time{})
	c.CloseWrite()
	got, err := io.ReadAll(c)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != sent {
		t.Fatalf("read back %d bytes, sent %d", len(got), sent)
	}
}

func TestLargeWritesArriveWholeAndInOrder(t *testing.T) {
	done := make(chan error, 1)
	const size = 8 << 20
	_, addr := start(t, reactor.Config{}, &pusher{size: size, done: done})
	c := dial(t, addr)
	got, err := io.ReadAll(io.LimitReader(c, size))
	if err != nil || len(got) != size {
		t.Fatalf("read %d bytes, err %v", len(got), err)
	}
}

// sequencer writes numbered lines from several goroutines outside the
// loop; each goroutine's lines must arrive in order.
type sequencer struct {
	echo
	wg sync.WaitGroup
	// opened is closed when OnOpen has started the writers: the test
	// waits for it before wg.Wait, because the bytes it reads through the
	// socket order nothing for the race detector.
	opened chan struct{}
}

func (s *sequencer) OnOpen(c *reactor.Conn) {
	defer close(s.opened)
	for g := range 4 {
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			for i := range 2000 {
				line := []byte{byte('a' + g), byte(i >> 8), byte(i), '\n'}
				c.Write(line)
			}
		}()
	}
}

func TestWritesFromOtherGoroutinesKeepEachWritersOrder(t *testing.T) {
	s := &sequencer{opened: make(chan struct{})}
	_, addr := start(t, reactor.Config{}, s)
	c := dial(t, addr)
	buf := make([]byte, 4*2000*4)
	if _, err := io.ReadFull(c, buf); err != nil {
		t.Fatal(err)
	}
	<-s.opened
	s.wg.Wait()
	next := make([]int, 4)
	for i := 0; i < len(buf); i += 4 {
		g := int(buf[i] - 'a')
		n := int(buf[i+1])<<8 | int(buf[i+2])
		if g < 0 || g > 3 || buf[i+3] != '\n' {
			t.Fatalf("corrupt record at %d: %q", i, buf[i:i+4])
		}
		if n != next[g] {
			t.Fatalf("writer %d: got line %d, want %d", g, n, next[g])
		}
		next[g]++
	}
}

// pauser pauses reading after each message and resumes from another
// goroutine, the pattern of a protocol that runs a user handler.
type pauser struct{ echo }

func (p *pauser) OnData(c *reactor.Conn, data []byte) int {
	i := bytes.IndexByte(data, '\n')
	if i < 0 {
		return 0
	}
	c.PauseRead()
	msg := append([]byte(nil), data[:i+1]...)
	go func() {
		c.Write(msg)
		c.ResumeRead()
	}()
	return i + 1
}

func TestPauseReadHoldsInputUntilResume(t *testing.T) {
	_, addr := start(t, reactor.Config{}, &pauser{})
	c := dial(t, addr)
	// Several messages in one segment: each must wait for the previous
	// one's resume, and kept input must be re-presented on resume.
	want := "one\ntwo\nthree\nfour\n"
	c.Write([]byte(want))
	got := make([]byte, len(want))
	if _, err := io.ReadFull(c, got); err != nil {
		t.Fatal(err)
	}
	if string(got) != want {
		t.Fatalf("got %q, want %q", got, want)
	}
}

var _ net.Conn = (*net.TCPConn)(nil)

// holder pauses every connection on open and hands it to the test.
type holder struct {
	echo
	conns chan *reactor.Conn
}

func (h *holder) OnOpen(c *reactor.Conn) {
	c.PauseRead()
	h.conns <- c
}

func TestResumeReadNoticesFINThatArrivedWhilePaused(t *testing.T) {
	h := &holder{conns: make(chan *reactor.Conn, 1)}
	_, addr := start(t, reactor.Config{}, h)
	c := dial(t, addr)
	rc := <-h.conns
	c.Write([]byte("late"))
	c.CloseWrite() // FIN arrives while the server is not reading
	// Give the segments time to land in the server's socket, so that
	// their edges are consumed while paused: wait until a zero-length
	// probe says nothing came back, without sleeping blindly.
	c.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
	if n, err := c.Read(make([]byte, 1)); n != 0 || !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("paused server answered: %d, %v", n, err)
	}
	c.SetReadDeadline(time.Time{})
	rc.ResumeRead()
	got, err := io.ReadAll(c)
	if err != nil || string(got) != "late" {
		t.Fatalf("got %q, %v; want the echo and then EOF", got, err)
	}
}

// inCallbackWriter, on its first input, has another goroutine write total
// bytes in chunks while the callback is still running (the window in which
// http1's request goroutine writes after OnData yields), and reports the
// queue and the bytes written after each chunk.
type inCallbackWriter struct {
	echo
	r            atomic.Pointer[reactor.Reactor]
	total, chunk int
	once         sync.Once
	report       chan [2]int64 // Buffered, Stats().BytesWritten after each write
}

func (w *inCallbackWriter) OnData(c *reactor.Conn, data []byte) int {
	w.once.Do(func() {
		done := make(chan struct{})
		go func() {
			defer close(done)
			p := bytes.Repeat([]byte{'x'}, w.chunk)
			for sent := 0; sent < w.total; sent += w.chunk {
				if _, err := c.Write(p); err != nil {
					return
				}
				w.report <- [2]int64{int64(c.Buffered()), w.r.Load().Stats().BytesWritten}
			}
		}()
		<-done // the callback outlasts the other goroutine's writes
	})
	return len(data)
}

// TestWritesDuringACallbackCountInBuffered pins the backpressure
// invariant for writes made by another goroutine while the connection's
// callback runs: every byte Write accepted is on the socket or counted by
// Buffered, so the high-water mark and the write deadline see it and a
// collected burst cannot exceed a bounded shared buffer.
func TestWritesDuringACallbackCountInBuffered(t *testing.T) {
	if portable {
		t.Skip("the portable Write blocks until the socket takes the bytes: nothing is buffered")
	}
	const total, chunk = 8 << 20, 32 << 10
	w := &inCallbackWriter{total: total, chunk: chunk, report: make(chan [2]int64, total/chunk)}
	r, addr := start(t, reactor.Config{Loops: 1}, w)
	w.r.Store(r)
	c := dial(t, addr)
	if _, err := c.Write([]byte("go")); err != nil {
		t.Fatal(err)
	}
	written := int64(0)
	for range total / chunk {
		var got [2]int64
		select {
		case got = <-w.report:
		case <-time.After(10 * time.Second):
			t.Fatal("the writer stalled")
		}
		written += chunk
		buffered, onSocket := got[0], got[1]
		// The client never reads, so onSocket stops growing at the kernel's
		// buffers; the rest must be queued where Buffered sees it.
		if buffered+onSocket < written {
			t.Fatalf("after %d bytes written in the callback: %d buffered + %d on the socket; %d bytes invisible to backpressure",
				written, buffered, onSocket, written-buffered-onSocket)
		}
	}
	got, err := io.ReadAll(io.LimitReader(c, total))
	if err != nil || len(got) != total {
		t.Fatalf("read back %d bytes (%v), want %d", len(got), err, total)
	}
}

// bigPauser answers each line with size bytes from another goroutine, as
// pauser does, and reports each ResumeRead.
type bigPauser struct {
	echo
	size    int
	resumed chan struct{}
}

func (p *bigPauser) OnData(c *reactor.Conn, data []byte) int {
	i := bytes.IndexByte(data, '\n')
	if i < 0 {
		return 0
	}
	c.PauseRead()
	b := data[0] // data is valid only during OnData
	go func() {
		c.Write(bytes.Repeat([]byte{b}, p.size))
		c.ResumeRead()
		p.resumed <- struct{}{}
	}()
	return i + 1
}

// A ResumeRead that comes while the connection's queue is past the
// high-water mark finds reading stopped by backpressure; the input kept
// for the handler must then be presented when the queue drains, even if
// the peer sends nothing more (it was not: a pipelined WebSocket echo
// stalled for good).
func TestKeptInputIsPresentedWhenBackpressureEnds(t *testing.T) {
	const size = 8 << 20 // far more than the socket buffers and the mark
	p := &bigPauser{size: size, resumed: make(chan struct{}, 4)}
	_, addr := start(t, reactor.Config{WriteHighWater: 64 << 10}, p)
	c := dial(t, addr)
	if _, err := c.Write([]byte("a\nb\nc\n")); err != nil { // all three in one segment, then nothing
		t.Fatal(err)
	}
	c.SetReadDeadline(time.Now().Add(30 * time.Second))
	buf := make([]byte, 3*size)
	// The portable Write waits until the socket takes the bytes (there is
	// no queue and no high-water mark): there the client reads while it
	// writes, and what is left to prove is that ResumeRead presents the
	// kept lines without more input from the peer.
	if !portable {
		<-p.resumed // the first answer is queued past the mark when reading resumes
	}
	if _, err := io.ReadFull(c, buf); err != nil {
		t.Fatalf("after the first answer's resume: %v (the kept lines were never presented)", err)
	}
	for i, want := range []byte("abc") {
		if buf[i*size] != want || buf[(i+1)*size-1] != want {
			t.Fatalf("answer %d is not %q", i, want)
		}
	}
}
