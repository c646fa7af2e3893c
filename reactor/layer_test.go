package reactor_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/shio-rt/shio/reactor"
)

// envelope is the test layer: each unit is a two-byte big-endian length
// and that many bytes XORed with mask. A length of 0xffff is invalid.
type envelope struct {
	raw     io.Writer
	partial []byte // a unit cut by a read

	mu   sync.Mutex
	held []byte // plaintext produced elsewhere, delivered by Input
	ins  int    // Input calls with nothing
}

const mask = 0x5a

var errBadUnit = errors.New("envelope: bad unit")

func seal(dst, p []byte) []byte {
	dst = binary.BigEndian.AppendUint16(dst, uint16(len(p)))
	for _, b := range p {
		dst = append(dst, b^mask)
	}
	return dst
}

func (e *envelope) Input(dst, in []byte) ([]byte, error) {
	e.mu.Lock()
	if len(in) == 0 {
		e.ins++
	}
	dst = append(dst, e.held...)
	e.held = nil
	e.mu.Unlock()
	e.partial = append(e.partial, in...)
	p := e.partial
	for len(p) >= 2 {
		n := int(binary.BigEndian.Uint16(p))
		if n == 0xffff {
			return dst, errBadUnit
		}
		if len(p) < 2+n {
			break
		}
		for _, b := range p[2 : 2+n] {
			dst = append(dst, b^mask)
		}
		p = p[2+n:]
	}
	e.partial = append(e.partial[:0], p...)
	return dst, nil
}

func (e *envelope) Output(p []byte) (int, error) {
	if _, err := e.raw.Write(seal(nil, p)); err != nil {
		return 0, err
	}
	return len(p), nil
}

// lineEcho installs an envelope in OnOpen and echoes each complete line of
// plaintext, leaving a partial line unconsumed.
type lineEcho struct {
	recorder
	layers chan *envelope
	conns  chan *reactor.Conn
	pause  bool // pause reading in OnOpen
}

func (h *lineEcho) OnOpen(c *reactor.Conn) {
	e := &envelope{}
	e.raw = c.SetLayer(e)
	if h.pause {
		c.PauseRead()
	}
	if h.layers != nil {
		h.layers <- e
	}
	if h.conns != nil {
		h.conns <- c
	}
}

func (h *lineEcho) OnData(c *reactor.Conn, data []byte) int {
	i := bytes.LastIndexByte(data, '\n')
	if i < 0 {
		return 0
	}
	c.Write(data[:i+1])
	return i + 1
}

// readUnits reads and opens envelope units from c until it has want
// bytes of plaintext.
func readUnits(t *testing.T, c net.Conn, want int) string {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	var out []byte
	for len(out) < want {
		var hdr [2]byte
		if _, err := io.ReadFull(c, hdr[:]); err != nil {
			t.Fatal(err)
		}
		p := make([]byte, binary.BigEndian.Uint16(hdr[:]))
		if _, err := io.ReadFull(c, p); err != nil {
			t.Fatal(err)
		}
		for i := range p {
			p[i] ^= mask
		}
		out = append(out, p...)
	}
	return string(out)
}

func TestLayerRoundTripWithUnitsStraddlingReads(t *testing.T) {
	h := &lineEcho{recorder: *newRecorder()}
	_, addr := start(t, reactor.Config{Loops: 1}, h)
	c := dial(t, addr)
	// "one\ntw" | "o\nthr" | "ee\n": units cut across writes, lines cut
	// across units (the partial line is kept as plaintext and presented
	// again with the next unit's).
	wire := seal(seal(seal(nil, []byte("one\ntw")), []byte("o\nthr")), []byte("ee\n"))
	c.Write(wire[:10]) // the first unit and part of the second
	if got := readUnits(t, c, 4); got != "one\n" {
		t.Fatalf("echo %q", got)
	}
	c.Write(wire[10:12])
	c.Write(wire[12:])
	if got := readUnits(t, c, 10); got != "two\nthree\n" {
		t.Fatalf("echo %q", got)
	}
}

func TestLayerInputErrorClosesWithThatError(t *testing.T) {
	h := &lineEcho{recorder: *newRecorder()}
	_, addr := start(t, reactor.Config{Loops: 1}, h)
	c := dial(t, addr)
	c.Write([]byte{0xff, 0xff, 1, 2, 3})
	select {
	case err := <-h.done:
		if !errors.Is(err, errBadUnit) {
			t.Fatalf("OnClose(%v), want %v", err, errBadUnit)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("connection not closed")
	}
}

func TestLayerResumeReadDeliversWhatTheLayerHeld(t *testing.T) {
	h := &lineEcho{recorder: *newRecorder(), pause: true, layers: make(chan *envelope, 1), conns: make(chan *reactor.Conn, 1)}
	_, addr := start(t, reactor.Config{Loops: 1}, h)
	c := dial(t, addr)
	e, rc := <-h.layers, <-h.conns
	// A handshake finished on another goroutine left plaintext in the
	// layer; ResumeRead has the reactor ask for it.
	e.mu.Lock()
	e.held = []byte("async\n")
	e.mu.Unlock()
	rc.ResumeRead()
	if got := readUnits(t, c, 6); got != "async\n" {
		t.Fatalf("echo %q", got)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.ins == 0 {
		t.Fatal("Input was not called with nothing on ResumeRead")
	}
}

// flood writes through the layer from a goroutine until Write fails.
type flood struct {
	recorder
	deadline time.Duration
	errs     chan error
	wg       sync.WaitGroup
}

func (f *flood) OnOpen(c *reactor.Conn) {
	e := &envelope{}
	e.raw = c.SetLayer(e)
	f.wg.Add(1)
	go func() {
		defer f.wg.Done()
		// A push server: it writes while its queue is short and polls
		// while it is long (Write(nil) reports a closed connection).
		// The deadline is set once output is queued: one that passes with
		// an empty queue is simply cleared. (The portable version has no
		// queue: its Write blocks, and the deadline is set at once.)
		chunk := bytes.Repeat([]byte("x"), 32<<10)
		armed := false
		for end := time.Now().Add(10 * time.Second); time.Now().Before(end); {
			p := chunk
			if !armed && (portable || c.Buffered() > 0) {
				c.SetWriteDeadline(time.Now().Add(f.deadline))
				armed = true
			}
			if c.Buffered() > 256<<10 {
				p = nil
				time.Sleep(time.Millisecond)
			}
			if _, err := c.Write(p); err != nil {
				f.errs <- err
				return
			}
		}
		f.errs <- errors.New("no write timeout within 10s")
	}()
}

func TestLayerWriteDeadlineFiresThroughTheLayer(t *testing.T) {
	f := &flood{recorder: *newRecorder(), deadline: 100 * time.Millisecond, errs: make(chan error, 1)}
	r, addr := start(t, reactor.Config{Loops: 1, WriteHighWater: 64 << 10}, f)
	dial(t, addr) // never reads
	err := <-f.errs
	if !errors.Is(err, reactor.ErrWriteTimeout) && !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("Write through the layer: %v, want a write timeout", err)
	}
	r.Close()
	f.wg.Wait()
}

func TestLayerBackpressureStopsReadingAndCountsRawBytes(t *testing.T) {
	if portable {
		t.Skip("the portable version has no outbound queue: Write blocks")
	}
	const high = 64 << 10
	h := &lineEcho{recorder: *newRecorder(), conns: make(chan *reactor.Conn, 1)}
	r, addr := start(t, reactor.Config{Loops: 1, WriteHighWater: high, ReadBufferSize: 16 << 10}, h)
	c := dial(t, addr)
	rc := <-h.conns
	// Lines of 99 bytes plus newline, sealed in units of one line: the
	// server echoes each through the layer and the client never reads.
	line := append(bytes.Repeat([]byte("y"), 99), '\n')
	var unit []byte
	for range 100 {
		unit = seal(unit, line)
	}
	sent, off := 0, 0
	for give := time.Now().Add(30 * time.Second); ; {
		c.SetWriteDeadline(time.Now().Add(300 * time.Millisecond))
		n, err := c.Write(unit[off:])
		sent += n
		off = (off + n) % len(unit) // a stalled write goes on where it stopped, keeping units whole
		// A write that stalls means the server stopped reading, unless a
		// loaded machine merely starved its loop: then the queue is not
		// past the mark yet, and writing goes on.
		if errors.Is(err, os.ErrDeadlineExceeded) && rc.Buffered() > high {
			break
		}
		if err != nil && !errors.Is(err, os.ErrDeadlineExceeded) {
			t.Fatal(err)
		}
		if sent > 256<<20 {
			t.Fatal("256 MiB accepted from a peer that never reads: no backpressure")
		}
		if time.Now().After(give) {
			t.Fatalf("writes never stalled with the queue past the high-water mark (Buffered %d)", rc.Buffered())
		}
	}
	read := r.Stats().BytesRead
	b := rc.Buffered()
	if b <= high {
		t.Fatalf("Buffered %d after reading stopped, want past the high-water mark %d", b, high)
	}
	if b > high+2*(16<<10) {
		t.Fatalf("Buffered %d, more than the high-water mark and one read's echo", b)
	}
	if int64(read) >= int64(sent) {
		t.Fatalf("the server read all %d bytes sent", sent)
	}
}
