package loadgen_test

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/shio-rt/shio/cmd/shio/internal/loadgen"
	"pgregory.net/rapid"
)

// genResponse draws one well-formed response and returns its bytes, its
// status, whether it asks to close, and whether the request was HEAD.
func genResponse(t *rapid.T, i int) (wire string, status int, closeConn, head bool) {
	status = rapid.SampledFrom([]int{100, 200, 201, 204, 301, 304, 404, 500, 503}).Draw(t, fmt.Sprint("status", i))
	head = rapid.Bool().Draw(t, fmt.Sprint("head", i))
	body := rapid.StringMatching(`[a-z\r\n]{0,300}`).Draw(t, fmt.Sprint("body", i))
	var b strings.Builder
	fmt.Fprintf(&b, "HTTP/1.1 %d Reason Phrase\r\n", status)
	if rapid.Bool().Draw(t, fmt.Sprint("extra", i)) {
		b.WriteString("X-Extra:  some value \r\nServer: test\r\n")
	}
	if status == 100 {
		// An interim response, then the final one.
		b.WriteString("\r\n")
		final := "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\n"
		if !head {
			final += "abc"
		}
		return b.String() + final, 200, false, head
	}
	closeConn = rapid.Bool().Draw(t, fmt.Sprint("close", i))
	if closeConn {
		b.WriteString("connection: Close\r\n")
	}
	noBody := head || status == 204 || status == 304
	switch {
	case noBody:
		fmt.Fprintf(&b, "Content-Length: %d\r\n\r\n", len(body)) // a HEAD answer may state the length
	case rapid.Bool().Draw(t, fmt.Sprint("chunked", i)):
		b.WriteString("Transfer-Encoding: chunked\r\n\r\n")
		for rest := body; len(rest) > 0; {
			n := rapid.IntRange(1, len(rest)).Draw(t, fmt.Sprint("chunk", i))
			fmt.Fprintf(&b, "%x;ext=1\r\n%s\r\n", n, rest[:n])
			rest = rest[n:]
		}
		b.WriteString("0\r\nTrailer: x\r\n\r\n")
	default:
		fmt.Fprintf(&b, "Content-Length: %d\r\n\r\n%s", len(body), body)
	}
	return b.String(), status, closeConn, head
}

// TestReadResponseReadsWellFormedStreamsExactly parses a stream of random
// well-formed responses, delivered one byte per read, and checks each
// status and close flag and that the stream is consumed exactly.
func TestReadResponseReadsWellFormedStreamsExactly(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		n := rapid.IntRange(1, 5).Draw(t, "n")
		var wire strings.Builder
		type want struct {
			status      int
			close, head bool
		}
		var wants []want
		for i := range n {
			w, s, c, h := genResponse(t, i)
			wire.WriteString(w)
			wants = append(wants, want{s, c, h})
		}
		br := bufio.NewReader(iotest.OneByteReader(strings.NewReader(wire.String())))
		for i, w := range wants {
			status, closeConn, started, err := loadgen.ReadResponse(br, w.head)
			if err != nil || status != w.status || closeConn != w.close || !started {
				t.Fatalf("response %d: status %d close %v started %v err %v; want %+v\n%q", i, status, closeConn, started, err, w, wire.String())
			}
		}
		if _, err := br.ReadByte(); err != io.EOF {
			t.Fatalf("bytes left after the last response (err %v)", err)
		}
	})
}

func TestReadResponseWithoutLengthReadsToEOF(t *testing.T) {
	br := bufio.NewReader(strings.NewReader("HTTP/1.0 200 OK\r\n\r\nall of this is body"))
	status, closeConn, _, err := loadgen.ReadResponse(br, false)
	if err != nil || status != 200 || !closeConn {
		t.Fatalf("status %d close %v err %v", status, closeConn, err)
	}
}

// FuzzReadResponse checks that no input makes the parser panic or report a
// status outside 100..599.
func FuzzReadResponse(f *testing.F) {
	for _, s := range []string{
		"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
		"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n",
		"HTTP/1.0 200 OK\r\n\r\nbody",
		"HTTP/1.1 999 X\r\n\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999\r\n\r\n",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nfffffffffffffff\r\n",
	} {
		f.Add([]byte(s), false)
	}
	f.Fuzz(func(t *testing.T, data []byte, head bool) {
		br := bufio.NewReaderSize(bytes.NewReader(data), 64)
		for range 4 {
			status, _, _, err := loadgen.ReadResponse(br, head)
			if err != nil {
				return
			}
			if status < 100 || status > 599 {
				t.Fatalf("status %d from %q", status, data)
			}
		}
	})
}
