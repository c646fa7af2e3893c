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
	head  []byte // sent first, with SendFileAfter
	atPos bool   // send from f's position (off -1)
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
			head := s.head
			for off < s.size || len(head) > 0 {
				o := int64(off)
				if s.atPos {
					o = -1
				}
				n, err := c.SendFileAfter(head, s.f, o, s.size-off)
				h := min(n, len(head))
				head, off = head[h:], off+n-h
				if err != nil {
					s.done <- err
					return
				}
				if off < s.size || len(head) > 0 {
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
func TestSendFileDeliversTheFileAndDrains(t *testing.T) { testSendFile(t, nil, -1) }

// TestSendFileFromThePositionAdvancesIt: with off < 0 SendFile sends from
// the file's position and leaves it after the last byte sent.
func TestSendFileFromThePositionAdvancesIt(t *testing.T) {
	if pos := testSendFile(t, []byte("head"), 12345); !portable && pos != 16<<20 {
		t.Fatalf("file position after SendFile from it: %d, want %d", pos, 16<<20)
	}
}

// TestSendFileAfterSendsTheHeadFirst: SendFileAfter sends its head and then
// the file, both whole and in order, also when the socket fills in the
// middle of the head (a head of 4 MiB, read slowly at first).
func TestSendFileAfterSendsTheHeadFirst(t *testing.T) {
	for _, size := range []int{100, 4 << 20} {
		head := make([]byte, size)
		rand.Read(head)
		testSendFile(t, head, -1)
	}
}

// testSendFile sends head and a file of 16 MiB, from offset 0, or from the
// file's position, set to pos, if pos >= 0; it returns the file's
// position after.
func testSendFile(t *testing.T, head []byte, pos int64) int64 {
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
	s := &fileSender{head: head, f: f, size: len(data), drain: make(chan struct{}, 1), done: make(chan error, 1)}
	if pos >= 0 {
		if _, err := f.Seek(pos, io.SeekStart); err != nil {
			t.Fatal(err)
		}
		s.atPos, s.size, data = true, len(data)-int(pos), data[pos:]
	}
	_, addr := start(t, reactor.Config{Loops: 1}, s)
	c := dial(t, addr)
	c.Write([]byte("go"))
	if portable {
		if err := <-s.done; !errors.Is(err, errors.ErrUnsupported) {
			t.Fatalf("portable SendFile: %v, want ErrUnsupported", err)
		}
		return 0
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
	want := append(append([]byte(nil), head...), data...)
	if !bytes.Equal(got.Bytes(), want) {
		t.Fatalf("received %d bytes, want the %d of the head and the file", got.Len(), len(want))
	}
	end, err := f.Seek(0, io.SeekCurrent)
	if err != nil {
		t.Fatal(err)
	}
	return end
}
