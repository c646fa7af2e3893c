package reactor_test

import (
	"bytes"
	"crypto/rand"
	"errors"
	"io"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/shio-rt/shio/reactor"
)

// fileSender sends a file with SendFile from another goroutine on the
// first input, waiting for OnDrain whenever the socket is full.
type fileSender struct {
	echo
	f     *os.File
	size  int
	once  sync.Once
	drain chan struct{}
	done  chan error
}

func (s *fileSender) OnData(c *reactor.Conn, data []byte) int {
	s.once.Do(func() {
		go func() {
			off := 0
			for off < s.size {
				n, err := c.SendFile(s.f, int64(off), s.size-off)
				off += n
				if err != nil {
					s.done <- err
					return
				}
				if off < s.size {
					select {
					case <-s.drain:
					case <-time.After(10 * time.Second):
						s.done <- errors.New("no OnDrain after a short SendFile")
						return
					}
				}
			}
			s.done <- c.CloseWrite()
		}()
	})
	return len(data)
}

func (s *fileSender) OnDrain(c *reactor.Conn) {
	select {
	case s.drain <- struct{}{}:
	default:
	}
}

// TestSendFileDeliversTheFileAndDrains: SendFile never blocks, returns
// short when the socket is full, and OnDrain follows once it takes more;
// the peer, reading slowly, receives the file whole and in order.
func TestSendFileDeliversTheFileAndDrains(t *testing.T) {
	data := make([]byte, 16<<20)
	rand.Read(data)
	name := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(name, data, 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	s := &fileSender{f: f, size: len(data), drain: make(chan struct{}, 1), done: make(chan error, 1)}
	_, addr := start(t, reactor.Config{Loops: 1}, s)
	c := dial(t, addr)
	c.Write([]byte("go"))
	if portable {
		if err := <-s.done; !errors.Is(err, errors.ErrUnsupported) {
			t.Fatalf("portable SendFile: %v, want ErrUnsupported", err)
		}
		return
	}
	c.SetDeadline(time.Now().Add(20 * time.Second))
	var got bytes.Buffer
	buf := make([]byte, 64<<10)
	for {
		n, err := c.Read(buf)
		got.Write(buf[:n])
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if got.Len() < 1<<20 {
			time.Sleep(time.Millisecond) // read slowly at first: the socket fills
		}
	}
	if err := <-s.done; err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Bytes(), data) {
		t.Fatalf("received %d bytes, want the %d of the file", got.Len(), len(data))
	}
}
