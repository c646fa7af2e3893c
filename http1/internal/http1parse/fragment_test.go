package http1parse_test

import (
	"errors"
	"math/rand/v2"
	"testing"

	"github.com/shio-rt/shio/http1/internal/http1parse"
)

// feed parses in as if it arrived in the given piece sizes, each call seeing
// everything received so far, and returns the head length and error.
func feed(p *http1parse.Parser, r *http1parse.Request, in []byte, sizes func() int) (int, error) {
	for got := 0; ; {
		got = min(len(in), got+sizes())
		n, err := p.Parse(in[:got], r)
		if errors.Is(err, http1parse.ErrIncomplete) && got < len(in) {
			continue
		}
		return n, err
	}
}

func TestByteByByteMatchesWhole(t *testing.T) {
	for _, tc := range rfcCases {
		in := []byte(tc.in)
		var p1, p2 http1parse.Parser
		var r1, r2 http1parse.Request
		n1, err1 := p1.Parse(in, &r1)
		n2, err2 := feed(&p2, &r2, in, func() int { return 1 })
		if n1 != n2 || statusOf(err1) != statusOf(err2) {
			t.Errorf("%s: whole gave (%d, %v), byte by byte gave (%d, %v)", tc.name, n1, err1, n2, err2)
		}
		if err1 == nil && (string(r1.Target) != string(r2.Target) || len(r1.Fields) != len(r2.Fields)) {
			t.Errorf("%s: whole and byte-by-byte parses differ", tc.name)
		}
	}
}

func TestRandomSplitsMatchWhole(t *testing.T) {
	seed := rand.Uint64()
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 0))
	for range 20 {
		for _, tc := range rfcCases {
			in := []byte(tc.in)
			var p1, p2 http1parse.Parser
			var r1, r2 http1parse.Request
			n1, err1 := p1.Parse(in, &r1)
			n2, err2 := feed(&p2, &r2, in, func() int { return 1 + rng.IntN(40) })
			if n1 != n2 || statusOf(err1) != statusOf(err2) {
				t.Fatalf("%s (seed %d): whole gave (%d, %v), split gave (%d, %v)", tc.name, seed, n1, err1, n2, err2)
			}
		}
	}
}

// TestPipelinedHeadsParseInTurn parses several requests from one buffer, as a
// pipelining client sends them.
func TestPipelinedHeadsParseInTurn(t *testing.T) {
	in := []byte("GET /1 HTTP/1.1\r\nHost: a\r\n\r\nGET /2 HTTP/1.1\r\nHost: a\r\n\r\nGET /3 HTTP/1.1\r\nHost: a\r\n\r\n")
	var p http1parse.Parser
	var r http1parse.Request
	for _, want := range []string{"/1", "/2", "/3"} {
		n, err := p.Parse(in, &r)
		if err != nil || string(r.Target) != want {
			t.Fatalf("want %s, got %q %v", want, r.Target, err)
		}
		in = in[n:]
	}
	if len(in) != 0 {
		t.Fatalf("%d bytes left", len(in))
	}
}

func TestParseAllocatesNothing(t *testing.T) {
	in := []byte("GET /plaintext HTTP/1.1\r\nHost: localhost:8080\r\nUser-Agent: wrk\r\n" +
		"Accept: text/plain,text/html;q=0.9\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n")
	var p http1parse.Parser
	var r http1parse.Request
	allocs := testing.AllocsPerRun(1000, func() {
		if _, err := p.Parse(in, &r); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Fatalf("Parse allocated %.1f times per request", allocs)
	}
	allocs = testing.AllocsPerRun(100, func() {
		if _, err := feed(&p, &r, in, func() int { return 7 }); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Fatalf("split Parse allocated %.1f times per request", allocs)
	}
	bad := []byte("GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n")
	allocs = testing.AllocsPerRun(100, func() { _, _ = p.Parse(bad, &r) })
	if allocs != 0 {
		t.Fatalf("rejecting allocated %.1f times", allocs)
	}
}

// BenchmarkParse parses a typical head: with the field section of the
// head before (the memo's case: a keep-alive client's next request), and
// with a section that differs from the last one in a byte (every field
// line scanned).
func BenchmarkParse(b *testing.B) {
	head := func(ua string) []byte {
		return []byte("GET /plaintext HTTP/1.1\r\nHost: localhost:8080\r\nUser-Agent: " + ua + "\r\n" +
			"Accept: text/plain,text/html;q=0.9\r\nConnection: keep-alive\r\n\r\n")
	}
	for _, tc := range []struct {
		name  string
		heads [2][]byte
	}{
		{"same-fields", [2][]byte{head("wrk"), head("wrk")}},
		{"new-fields", [2][]byte{head("wrk"), head("wrK")}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			var p http1parse.Parser
			var r http1parse.Request
			b.SetBytes(int64(len(tc.heads[0])))
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				if _, err := p.Parse(tc.heads[i&1], &r); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
	}
}

// TestMalformedLineRefusedWhenComplete: a malformed request line or field
// line is refused as soon as its line is complete, before the head is.
func TestMalformedLineRefusedWhenComplete(t *testing.T) {
	for _, in := range []string{
		"GET / HTTP/1.1 junk\r\n",
		"GET / HTTP/1.1\r\nHost: x\r\nBad Name: v\r\n",
		"GET / HTTP/1.1\r\nHost : x\r\n",
		"GET / HTTP/1.1\r\n folded\r\n",
		"G@T / HTTP/1.1\r\nHost: x",
	} {
		var p http1parse.Parser
		var r http1parse.Request
		_, err := p.Parse([]byte(in), &r)
		var perr *http1parse.Error
		if !errors.As(err, &perr) || perr.Status != 400 {
			t.Errorf("%q: %v, want a 400 before the head is complete", in, err)
		}
	}
	// Good lines so far: wait for more.
	var p http1parse.Parser
	var r http1parse.Request
	if _, err := p.Parse([]byte("GET / HTTP/1.1\r\nHost: x\r\nAccept: */*\r\n"), &r); !errors.Is(err, http1parse.ErrIncomplete) {
		t.Fatalf("good partial head: %v", err)
	}
}
