package http1parse_test

import (
	"bytes"
	"errors"
	"io"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/shio-rt/shio/http1/internal/http1parse"
)

// FuzzParse checks, for any bytes, that Parse neither panics nor reads past
// its input, that an accepted head ends with CRLF CRLF, and that feeding the
// same bytes in pieces gives the same answer as feeding them whole. Seeds are
// in testdata/fuzz/FuzzParse.
func FuzzParse(f *testing.F) {
	for _, tc := range rfcCases {
		f.Add([]byte(tc.in), uint8(1))
	}
	f.Fuzz(func(t *testing.T, in []byte, step uint8) {
		var p1, p2 http1parse.Parser
		var r1, r2 http1parse.Request
		n1, err1 := p1.Parse(in, &r1)
		if err1 == nil && (n1 < 4 || n1 > len(in) || string(in[n1-4:n1]) != "\r\n\r\n") {
			t.Fatalf("accepted head of %d bytes does not end the head", n1)
		}
		var e *http1parse.Error
		if err1 != nil && !errors.Is(err1, http1parse.ErrIncomplete) && !errors.As(err1, &e) {
			t.Fatalf("unexpected error type %T", err1)
		}
		n2, err2 := feed(&p2, &r2, in, func() int { return 1 + int(step)%64 })
		if n1 != n2 || statusOf(err1) != statusOf(err2) {
			t.Fatalf("whole (%d, %v) != split (%d, %v)", n1, err1, n2, err2)
		}
		if err1 == nil && (r1.ContentLength >= 0 && r1.Chunked) {
			t.Fatal("accepted both a length and chunking")
		}
	})
}

// FuzzParseAfter checks that a Parser gives for a head what a fresh one
// gives, whatever head it parsed before: the memo of the last field
// section (see fieldsMemo) changes nothing. After head a it parses a
// again, a's fields under request line line (another target, method or
// version), then b.
func FuzzParseAfter(f *testing.F) {
	for _, tc := range rfcCases {
		f.Add([]byte(tc.in), []byte("GET / HTTP/1.0"), []byte(tc.in))
		f.Add([]byte(tc.in), []byte("POST /x?y HTTP/1.1"), []byte("GET / HTTP/1.1\r\nHost: a\r\n\r\n"))
	}
	f.Fuzz(func(t *testing.T, a, line, b []byte) {
		var p http1parse.Parser
		var r http1parse.Request
		p.Parse(a, &r)
		p.Reset() // a may be a partial head
		heads := [][]byte{a, b}
		if i := bytes.Index(a, []byte("\r\n")); i >= 0 {
			heads = [][]byte{a, append(slices.Clip(line), a[i:]...), b}
		}
		for _, in := range heads {
			var fresh http1parse.Parser
			var r1, r2 http1parse.Request
			n1, err1 := p.Parse(in, &r1)
			p.Reset()
			n2, err2 := fresh.Parse(in, &r2)
			if n1 != n2 || statusOf(err1) != statusOf(err2) || (err1 == nil) != (err2 == nil) {
				t.Fatalf("%q after %q: (%d, %v), fresh (%d, %v)", in, a, n1, err1, n2, err2)
			}
			if len(r1.Fields) == 0 && len(r2.Fields) == 0 {
				r1.Fields, r2.Fields = nil, nil // a used Parser's empty storage is not nil
			}
			if err1 == nil && !reflect.DeepEqual(r1, r2) {
				t.Fatalf("%q after %q: %+v, fresh %+v", in, a, r1, r2)
			}
		}
	})
}

// FuzzChunked checks that the chunked decoder gives the same body and the
// same verdict whatever the split, and never consumes past its input.
func FuzzChunked(f *testing.F) {
	f.Add([]byte("5\r\nhello\r\n0\r\n\r\n"), uint8(1))
	f.Add([]byte("5;a=b\r\nhello\r\n0\r\nX: y\r\n\r\n"), uint8(3))
	f.Add([]byte("ffffffffffffffffff\r\n"), uint8(2))
	f.Add([]byte("0x5\r\nhello\r\n0\r\n\r\n"), uint8(1))
	f.Add([]byte("5\nhello\n0\n\n"), uint8(2))
	f.Add([]byte("0\r\nContent-Length: 9\r\nHost: evil\r\n\r\n"), uint8(4))
	f.Fuzz(func(t *testing.T, in []byte, step uint8) {
		var d1, d2 http1parse.Chunked
		b1, n1, err1 := decodeAll(&d1, in, func() int { return len(in) })
		b2, n2, err2 := decodeAll(&d2, in, func() int { return 1 + int(step)%32 })
		if b1 != b2 || statusOf(err1) != statusOf(err2) || (err1 == nil) != (err2 == nil) {
			t.Fatalf("whole (%q, %v) != split (%q, %v)", b1, err1, b2, err2)
		}
		if err1 == nil && n1 != n2 {
			t.Fatalf("consumed %d whole, %d split", n1, n2)
		}
		if n1 > len(in) || err1 == io.EOF {
			t.Fatalf("consumed %d of %d (%v)", n1, len(in), err1)
		}
		// Taking chunk data past Decode (DataLeft, SkipData), as a reader
		// that reads a large chunk straight into its buffer does, changes
		// neither the body nor the framing's verdict.
		var d3 http1parse.Chunked
		b3, n3, err3 := decodeSkipping(&d3, in, 1+int(step)%7)
		if b3 != b1 || statusOf(err3) != statusOf(err1) || (err3 == nil) != (err1 == nil) || err1 == nil && n3 != n1 {
			t.Fatalf("whole (%q, %d, %v) != skipping (%q, %d, %v)", b1, n1, err1, b3, n3, err3)
		}
	})
}

// decodeSkipping decodes in a byte at a time, and takes the chunks' data
// k bytes at a time with DataLeft and SkipData instead of Decode.
func decodeSkipping(d *http1parse.Chunked, in []byte, k int) (string, int, error) {
	var body strings.Builder
	off := 0
	for off < len(in) {
		if left := d.DataLeft(); left > 0 {
			m := min(int(left), k, len(in)-off)
			body.Write(in[off : off+m])
			d.SkipData(m)
			off += m
			continue
		}
		data, n, err := d.Decode(in[off : off+1])
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
	return body.String(), off, io.ErrUnexpectedEOF
}
