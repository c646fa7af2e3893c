package reactor_test

import (
	"bytes"
	"crypto/rand"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/shio-rt/shio/reactor"
)

// This file tests the direct paths: TryWritev and TryRead, which move
// bytes between the socket and the caller's buffer on the caller's
// goroutine.

// vecSender writes head and body with TryWritev from another goroutine on
// the first input, waiting for OnDrain when the socket is full and moving
// the write deadline before each wait, as http1 does.
type vecSender struct {
	echo
	head, body  []byte
	once        sync.Once
	drain       chan struct{}
	done        chan error
	calls, zero int // TryWritev calls, and those that wrote nothing
}

func (s *vecSender) OnData(c *reactor.Conn, data []byte) int {
	s.once.Do(func() {
		go func() {
			head, body := s.head, s.body
			for len(head)+len(body) > 0 {
				n, err := c.TryWritev(head, body)
				s.calls++
				if n == 0 {
					s.zero++
				}
				if err != nil {
					s.done <- err
					return
				}
				k := min(n, len(head))
				head, body = head[k:], body[n-k:]
				if len(head)+len(body) == 0 {
					break
				}
				c.SetWriteDeadline(time.Now().Add(time.Minute))
				select {
				case <-s.drain:
				case <-time.After(10 * time.Second):
					s.done <- errors.New("no OnDrain after a short TryWritev")
					return
				}
			}
			s.done <- c.CloseWrite()
		}()
	})
	return len(data)
}

func (s *vecSender) OnDrain(c *reactor.Conn) {
	select {
	case s.drain <- struct{}{}:
	default:
	}
}

// TestTryWritevDeliversInOrderAndDrainsOnlyWhenTheSocketTakesMore: the
// peer, reading slowly, receives head and body whole and in order; OnDrain
// follows a short write once the socket takes more, and not merely because
// the write deadline moved (which would wake the writer for nothing, again
// and again, and never let the deadline pass).
func TestTryWritevDeliversInOrderAndDrainsOnlyWhenTheSocketTakesMore(t *testing.T) {
	if portable {
		t.Skip("TryWritev is not available outside Linux")
	}
	head := []byte("HEAD:")
	body := make([]byte, 16<<20)
	rand.Read(body)
	s := &vecSender{head: head, body: body, drain: make(chan struct{}, 1), done: make(chan error, 1)}
	r, addr := start(t, reactor.Config{Loops: 1}, s)
	c := dial(t, addr)
	c.Write([]byte("go"))
	var got bytes.Buffer
	buf := make([]byte, 16<<10)
	c.SetDeadline(time.Now().Add(30 * time.Second))
	for {
		n, err := c.Read(buf)
		got.Write(buf[:n])
		if err != nil {
			break
		}
		if got.Len()%(1<<20) < n {
			time.Sleep(20 * time.Millisecond) // a slow reader: the socket fills
		}
	}
	if err := <-s.done; err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Bytes(), append(head, body...)) {
		t.Fatalf("received %d bytes, not the %d written", got.Len(), len(head)+len(body))
	}
	if s.zero > 10+(s.calls-s.zero)/2 {
		t.Errorf("%d of %d TryWritev calls after OnDrain wrote nothing: OnDrain came before the socket took more", s.zero, s.calls)
	}
	if st := r.Stats(); st.Writes == 0 || st.BytesWritten < int64(len(body)) {
		t.Errorf("Stats: %d writes, %d bytes", st.Writes, st.BytesWritten)
	}
}

// directReader reads its connection from another goroutine as http1 does:
// bytes OnData collected first, else TryRead with the loop's reads paused,
// else a wait for OnData with reading resumed.
type directReader struct {
	echo
	mu    sync.Mutex
	in    []byte // delivered by OnData, not yet taken
	eof   bool
	wake  chan struct{}
	begin chan struct{} // closed by the test once the socket holds bytes
	out   chan []byte   // the stream as the goroutine read it
}

func (d *directReader) OnOpen(c *reactor.Conn) {
	c.PauseRead() // the socket fills before the reader begins
	go d.run(c)
}

func (d *directReader) OnData(c *reactor.Conn, data []byte) int {
	d.mu.Lock()
	d.in = append(d.in, data...)
	d.mu.Unlock()
	d.signal()
	return len(data)
}

func (d *directReader) OnEOF(c *reactor.Conn) {
	d.mu.Lock()
	d.eof = true
	d.mu.Unlock()
	d.signal()
}

func (d *directReader) signal() {
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

func (d *directReader) run(c *reactor.Conn) {
	<-d.begin
	var stream []byte
	p := make([]byte, 64<<10)
	for {
		d.mu.Lock()
		if len(d.in) > 0 {
			stream = append(stream, d.in...)
			d.in = d.in[:0]
			d.mu.Unlock()
			continue
		}
		if d.eof {
			d.mu.Unlock()
			break
		}
		d.mu.Unlock()
		c.PauseRead()
		n, err := c.TryRead(p)
		if err != nil {
			break
		}
		d.mu.Lock()
		if len(d.in) > 0 { // the loop read these before p's
			stream = append(stream, d.in...)
			d.in = d.in[:0]
		}
		d.mu.Unlock()
		stream = append(stream, p[:n]...)
		if n == 0 {
			c.ResumeRead()
			<-d.wake
		}
	}
	d.out <- stream
}

// TestTryReadKeepsTheStreamInOrder: reads on the caller's goroutine and
// the loop's reads delivered to OnData, interleaved at random, give back
// the stream the peer sent, in order; some of it is read directly.
func TestTryReadKeepsTheStreamInOrder(t *testing.T) {
	if portable {
		t.Skip("TryRead is not available outside Linux")
	}
	data := make([]byte, 16<<20)
	rand.Read(data)
	d := &directReader{wake: make(chan struct{}, 1), begin: make(chan struct{}), out: make(chan []byte, 1)}
	r, addr := start(t, reactor.Config{Loops: 1}, d)
	c := dial(t, addr)
	begin := sync.OnceFunc(func() { close(d.begin) })
	go func() {
		defer begin()
		for rest := data; len(rest) > 0; {
			k := min(len(rest), 1+int(rest[0])*300)
			c.Write(rest[:k])
			rest = rest[k:]
			if len(data)-len(rest) >= 256<<10 {
				begin()
			}
		}
		c.CloseWrite()
	}()
	var got []byte
	select {
	case got = <-d.out:
	case <-time.After(30 * time.Second):
		t.Fatal("the reader did not reach EOF")
	}
	if !bytes.Equal(got, data) {
		t.Fatalf("read %d bytes, not the %d sent in order", len(got), len(data))
	}
	if st := r.Stats(); st.DirectReads == 0 || st.Reads < st.DirectReads {
		t.Errorf("Stats: %d reads, %d of them direct", st.Reads, st.DirectReads)
	}
}
