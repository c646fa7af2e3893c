package http1parse_test

import (
	"errors"
	"io"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/shio-rt/shio/http1/internal/http1parse"
)

// decodeAll decodes in delivered in pieces of the given sizes and returns the
// body, the bytes consumed and the error (nil when the body ended).
func decodeAll(d *http1parse.Chunked, in []byte, sizes func() int) (string, int, error) {
	var body strings.Builder
	off, avail := 0, 0
	for {
		avail = min(len(in), avail+sizes())
		for off < avail {
			data, n, err := d.Decode(in[off:avail])
			body.Write(data)
			off += n
			if err == io.EOF {
				return body.String(), off, nil
			}
			if err != nil {
				return body.String(), off, err
			}
			if n == 0 {
				break
			}
		}
		if avail == len(in) {
			return body.String(), off, io.ErrUnexpectedEOF
		}
	}
}

func TestChunked(t *testing.T) {
	cases := []struct {
		name, in, body string
		status         int // 0: decodes; -1: needs more bytes
		trailers       int
	}{
		{"one chunk", "5\r\nhello\r\n0\r\n\r\n", "hello", 0, 0},
		{"two chunks", "5\r\nhello\r\n7\r\n, world\r\n0\r\n\r\n", "hello, world", 0, 0},
		{"upper hex", "A\r\n0123456789\r\n0\r\n\r\n", "0123456789", 0, 0},
		{"leading zeros", "0005\r\nhello\r\n000\r\n\r\n", "hello", 0, 0},
		{"extension", "5;name=value;x=\"q\"\r\nhello\r\n0;last\r\n\r\n", "hello", 0, 0},
		{"BWS before extension", "5 ;x\r\nhello\r\n0\r\n\r\n", "hello", 0, 0},
		{"trailers", "5\r\nhello\r\n0\r\nX-Sum: 1\r\nY: 2\r\n\r\n", "hello", 0, 2},
		{"truncated", "5\r\nhel", "hel", -1, 0},
		{"empty size", "\r\nhello\r\n0\r\n\r\n", "", 400, 0},
		{"junk size", "5x\r\nhello\r\n0\r\n\r\n", "", 400, 0},
		{"negative size", "-5\r\nhello\r\n0\r\n\r\n", "", 400, 0},
		{"0x prefix", "0x5\r\nhello\r\n0\r\n\r\n", "", 400, 0},
		{"size overflow", "fffffffffffffffff\r\n", "", 400, 0},
		{"size just past 2^62", "4000000000000001\r\n", "", 400, 0},
		{"space inside size", "5 5\r\n", "", 400, 0},
		{"bare LF after size", "5\nhello\r\n0\r\n\r\n", "", 400, 0},
		{"data longer than size", "5\r\nhello!\r\n0\r\n\r\n", "hello", 400, 0},
		{"missing CRLF after data", "5\r\nhello0\r\n\r\n", "hello", 400, 0},
		{"control in extension", "5;\x01\r\nhello\r\n0\r\n\r\n", "", 400, 0},
		{"obs-fold in trailer", "0\r\nX: 1\r\n 2\r\n\r\n", "", 400, 0},
		{"bare LF in trailer", "0\r\nX: 1\n\r\n", "", 400, 0},
		{"trailer too large", "0\r\nX: " + strings.Repeat("a", 9000) + "\r\n\r\n", "", 431, 0},
		{"extension too long", "5;" + strings.Repeat("a", 5000) + "\r\nhello\r\n0\r\n\r\n", "", 400, 0},
		// RFC 9112 section 7.1.1: chunk-ext = *( BWS ";" BWS name [ BWS "=" BWS value ] ).
		{"extensions with BWS everywhere", "5 ; a = b ;\tc\t=\t\"d\\\"e\"\r\nhello\r\n0\r\n\r\n", "hello", 0, 0},
		{"quoted extension with obs-text and separators", "5;a=\"\xe9;=, \"\r\nhello\r\n0\r\n\r\n", "hello", 0, 0},
		{"bare semicolon", "5;\r\nhello\r\n0\r\n\r\n", "", 400, 0},
		{"semicolon after an extension", "5;a;\r\nhello\r\n0\r\n\r\n", "", 400, 0},
		{"bracket in extension name", "5;bad[=x\r\nhello\r\n0\r\n\r\n", "", 400, 0},
		{"empty extension value", "5;a=\r\nhello\r\n0\r\n\r\n", "", 400, 0},
		{"two equals signs", "5;a=b=c\r\nhello\r\n0\r\n\r\n", "", 400, 0},
		{"unterminated quoted value", "5;a=\"b\r\nhello\r\n0\r\n\r\n", "", 400, 0},
		{"junk after a quoted value", "5;a=\"b\"c\r\nhello\r\n0\r\n\r\n", "", 400, 0},
		{"whitespace inside a name", "5;a b\r\nhello\r\n0\r\n\r\n", "", 400, 0},
		{"whitespace before CR", "5;a \r\nhello\r\n0\r\n\r\n", "", 400, 0},
		{"NUL in extension", "5;\x00ext\r\nhello\r\n0\r\n\r\n", "", 400, 0},
		{"bare CR in extension", "5;a\rX\r\nhello\r\n0\r\n\r\n", "", 400, 0},
		{"control in quoted-pair", "5;a=\"\\\x01\"\r\nhello\r\n0\r\n\r\n", "", 400, 0},
		{"bare semicolon on the last chunk", "5\r\nhello\r\n0;\r\n\r\n", "hello", 400, 0},
	}
	for _, tc := range cases {
		for _, step := range []int{1, 3, 1 << 20} {
			var d http1parse.Chunked
			body, n, err := decodeAll(&d, []byte(tc.in), func() int { return step })
			switch {
			case tc.status == 0 && (err != nil || n != len(tc.in) || !d.Done()):
				t.Errorf("%s (step %d): got %v after %d of %d bytes", tc.name, step, err, n, len(tc.in))
			case tc.status == -1 && err != io.ErrUnexpectedEOF:
				t.Errorf("%s (step %d): want more input, got %v", tc.name, step, err)
			case tc.status > 0 && statusOf(err) != tc.status:
				t.Errorf("%s (step %d): want %d, got %v", tc.name, step, tc.status, err)
			}
			if body != tc.body {
				t.Errorf("%s (step %d): body %q, want %q", tc.name, step, body, tc.body)
			}
			if len(d.Trailers()) != tc.trailers {
				t.Errorf("%s (step %d): %d trailers, want %d", tc.name, step, len(d.Trailers()), tc.trailers)
			}
		}
	}
}

func TestChunkedStopsAtBodyEnd(t *testing.T) {
	in := []byte("3\r\nabc\r\n0\r\n\r\nGET / HTTP/1.1\r\n")
	var d http1parse.Chunked
	body, n, err := decodeAll(&d, in, func() int { return len(in) })
	if err != nil || body != "abc" || string(in[n:]) != "GET / HTTP/1.1\r\n" {
		t.Fatalf("got %q, rest %q, %v", body, in[n:], err)
	}
	if _, _, err := d.Decode(in[n:]); err != io.EOF {
		t.Fatalf("Decode after the end: %v, want io.EOF", err)
	}
	d.Reset()
	if d.Done() {
		t.Fatal("Reset did not restart the decoder")
	}
}

// TestChunkedRoundTrip encodes random bodies in random chunkings and decodes
// them from random splits.
func TestChunkedRoundTrip(t *testing.T) {
	seed := rand.Uint64()
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 1))
	var d http1parse.Chunked
	for range 200 {
		body := make([]byte, rng.IntN(3000))
		for i := range body {
			body[i] = byte(rng.IntN(256))
		}
		var enc strings.Builder
		for rest := body; len(rest) > 0; {
			k := 1 + rng.IntN(len(rest))
			enc.WriteString(strings.ToUpper(strconvHex(k)) + "\r\n")
			enc.Write(rest[:k])
			enc.WriteString("\r\n")
			rest = rest[k:]
		}
		enc.WriteString("0\r\n\r\n")
		d.Reset()
		got, _, err := decodeAll(&d, []byte(enc.String()), func() int { return 1 + rng.IntN(100) })
		if err != nil || got != string(body) {
			t.Fatalf("seed %d: round trip failed: %v", seed, err)
		}
	}
}

func strconvHex(n int) string {
	const digits = "0123456789abcdef"
	s := ""
	for ; n > 0; n >>= 4 {
		s = string(digits[n&15]) + s
	}
	return s
}

func TestChunkedAllocatesNothingWithoutTrailers(t *testing.T) {
	in := []byte("400\r\n" + strings.Repeat("x", 1024) + "\r\n0\r\n\r\n")
	var d http1parse.Chunked
	allocs := testing.AllocsPerRun(100, func() {
		d.Reset()
		total, off := 0, 0
		for !d.Done() {
			data, n, err := d.Decode(in[off:min(len(in), off+512)])
			if err != nil && !errors.Is(err, io.EOF) {
				t.Fatal(err)
			}
			total += len(data)
			off += n
		}
		if total != 1024 {
			t.Fatalf("decoded %d bytes", total)
		}
	})
	if allocs != 0 {
		t.Fatalf("decoding allocated %.1f times", allocs)
	}
}
