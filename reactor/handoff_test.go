package reactor_test

import (
	"bytes"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/shio-rt/shio/reactor"
)

// recorder is a handler that records its events and echoes nothing.
type recorder struct {
	mu     sync.Mutex
	opened int
	closed int
	data   []byte
	got    chan struct{} // a token after each OnData
	done   chan error    // OnClose's error
}

func newRecorder() *recorder {
	return &recorder{got: make(chan struct{}, 64), done: make(chan error, 4)}
}

func (r *recorder) OnOpen(*reactor.Conn) {
	r.mu.Lock()
	r.opened++
	r.mu.Unlock()
}

func (r *recorder) OnData(_ *reactor.Conn, data []byte) int {
	r.mu.Lock()
	r.data = append(r.data, data...)
	r.mu.Unlock()
	r.got <- struct{}{}
	return len(data)
}

func (r *recorder) OnClose(_ *reactor.Conn, err error) {
	r.mu.Lock()
	r.closed++
	r.mu.Unlock()
	r.done <- err
}

func (r *recorder) snapshot() (opened, closed int, data string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.opened, r.closed, string(r.data)
}

// lines is a line protocol that hands the connection to next at the line
// "SWITCH". With paused set it instead pauses reading, consumes the line
// and sends the Conn to switched for a test goroutine to hand off.
type lines struct {
	next     reactor.Handler
	paused   bool
	switched chan *reactor.Conn
	mu       sync.Mutex
	seen     []string
	closes   int
}

func (l *lines) OnOpen(*reactor.Conn) {}

func (l *lines) OnData(c *reactor.Conn, data []byte) int {
	n := 0
	for {
		i := bytes.IndexByte(data[n:], '\n')
		if i < 0 {
			return n
		}
		line := string(data[n : n+i])
		n += i + 1
		l.mu.Lock()
		l.seen = append(l.seen, line)
		l.mu.Unlock()
		if line == "SWITCH" {
			if l.paused {
				c.PauseRead()
				l.switched <- c
				return n
			}
			if err := c.Handoff(l.next); err != nil {
				panic(err)
			}
			return n
		}
	}
}

func (l *lines) OnClose(*reactor.Conn, error) {
	l.mu.Lock()
	l.closes++
	l.mu.Unlock()
}

func waitData(t *testing.T, r *recorder, want string) {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		if _, _, got := r.snapshot(); got == want {
			return
		} else if len(got) > len(want) {
			t.Fatalf("new handler got %q, want %q", got, want)
		}
		select {
		case <-r.got:
		case <-deadline:
			_, _, got := r.snapshot()
			t.Fatalf("new handler got %q, want %q", got, want)
		}
	}
}

func TestHandoffMidSegmentGivesTheNewHandlerExactlyTheRest(t *testing.T) {
	next := newRecorder()
	proto := &lines{next: next}
	r, addr := start(t, reactor.Config{Loops: 1}, proto)
	c := dial(t, addr)
	// The switch line and the next protocol's first bytes in one write
	// (one read on the server).
	if _, err := c.Write([]byte("hello\nSWITCH\nnext protocol\nSWITCH\n")); err != nil {
		t.Fatal(err)
	}
	waitData(t, next, "next protocol\nSWITCH\n")
	c.Write([]byte("more"))
	waitData(t, next, "next protocol\nSWITCH\nmore")
	c.Close()
	if err := <-next.done; err != nil {
		t.Fatalf("OnClose(%v), want nil", err)
	}
	r.Close()
	opened, closed, _ := next.snapshot()
	proto.mu.Lock()
	defer proto.mu.Unlock()
	if opened != 1 || closed != 1 || proto.closes != 0 {
		t.Fatalf("new handler opened %d closed %d times, old closed %d times; want 1, 1, 0", opened, closed, proto.closes)
	}
	if len(proto.seen) != 2 {
		t.Fatalf("old handler saw %q after the hand-off", proto.seen)
	}
}

func TestHandoffFromAnotherGoroutineWhileReadsArePaused(t *testing.T) {
	next := newRecorder()
	proto := &lines{paused: true, switched: make(chan *reactor.Conn, 1)}
	r, addr := start(t, reactor.Config{Loops: 1}, proto)
	c := dial(t, addr)
	c.Write([]byte("SWITCH\nkept"))
	rc := <-proto.switched
	c.Write([]byte("+later"))
	if err := rc.Handoff(next); err != nil {
		t.Fatal(err)
	}
	eventually(t, "OnOpen of the new handler", func() bool { o, _, _ := next.snapshot(); return o == 1 })
	if _, _, got := next.snapshot(); got != "" {
		t.Fatalf("new handler got %q while reading was paused", got)
	}
	rc.ResumeRead()
	waitData(t, next, "kept+later")
	c.Close()
	<-next.done
	r.Close()
	if _, closed, _ := next.snapshot(); closed != 1 || proto.closes != 0 {
		t.Fatalf("new handler closed %d times, old %d; want 1, 0", closed, proto.closes)
	}
}

func TestHandoffOfAClosedConnectionReturnsErrClosed(t *testing.T) {
	e := &echo{done: make(chan error, 1)}
	conns := make(chan *reactor.Conn, 1)
	h := &openSpy{Handler: e, opened: conns}
	r, addr := start(t, reactor.Config{Loops: 1}, h)
	c := dial(t, addr)
	rc := <-conns
	c.Close()
	<-e.done
	next := newRecorder()
	if err := rc.Handoff(next); !errors.Is(err, reactor.ErrClosed) {
		t.Fatalf("Handoff of a closed connection: %v, want ErrClosed", err)
	}
	r.Close()
	if opened, closed, _ := next.snapshot(); opened != 0 || closed != 0 {
		t.Fatalf("refused handler got %d OnOpen, %d OnClose", opened, closed)
	}
}

func TestHandoffBeforeCloseStillOpensAndClosesTheNewHandler(t *testing.T) {
	next := newRecorder()
	proto := &lines{paused: true, switched: make(chan *reactor.Conn, 1)}
	r, addr := start(t, reactor.Config{Loops: 1}, proto)
	c := dial(t, addr)
	c.Write([]byte("SWITCH\n"))
	rc := <-proto.switched
	c.Close() // the peer goes away while reads are paused
	if err := rc.Handoff(next); err != nil {
		t.Fatal(err)
	}
	rc.ResumeRead()
	<-next.done
	r.Close()
	if opened, closed, _ := next.snapshot(); opened != 1 || closed != 1 {
		t.Fatalf("new handler got %d OnOpen, %d OnClose; want 1, 1", opened, closed)
	}
}

// openSpy passes events to Handler and sends each Conn to opened.
type openSpy struct {
	reactor.Handler
	opened chan *reactor.Conn
}

func (s *openSpy) OnOpen(c *reactor.Conn) {
	s.Handler.OnOpen(c)
	s.opened <- c
}
