package http1

import (
	"context"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"pgregory.net/rapid"
)

// buildOn parses raw on c, as a connection does, and builds its request.
func buildOn(t interface{ Fatalf(string, ...any) }, c *conn, raw string) *http.Request {
	c.parser.Reset()
	c.buf = append(c.buf[:0], raw...)
	c.r, c.w = 0, len(c.buf)
	if _, err := c.parser.Parse(c.buf, &c.head); err != nil {
		t.Fatalf("parse %q: %v", raw, err)
	}
	req, err := c.newRequest(context.Background(), nil, nil)
	if err != nil {
		t.Fatalf("newRequest %q: %v", raw, err)
	}
	return req
}

// A conn builds each request exactly as a fresh one would, whatever the
// heads before it left in its memo: same target, names (received in any
// case), values, repeats, more fields than the memo holds, heads too large
// to remember, and whatever Handlers did to the URLs and header maps of
// the requests before. The strings a request got stay as they were after
// later requests reuse them and its read buffer is overwritten.
func TestHeadMemoBuildsWhatAFreshConnBuilds(t *testing.T) {
	targets := []string{"/", "/a", "/a?x=1", "/b/c"}
	names := []string{"Accept", "accept", "User-Agent", "X-A", "x-a", "Cookie"}
	values := []string{"", "a", "b", "*/*", "localhost:8080", strings.Repeat("v", 700)}
	rapid.Check(t, func(rt *rapid.T) {
		s := &Server{MaxBodyBytes: -1}
		memo := newConn(s, nil)
		type kept struct {
			req    *http.Request
			header http.Header
			uri    string
			host   string
		}
		var seen []kept
		for range rapid.IntRange(1, 12).Draw(rt, "requests") {
			var b strings.Builder
			fmt.Fprintf(&b, "GET %s HTTP/1.1\r\n%s: %s\r\n",
				rapid.SampledFrom(targets).Draw(rt, "target"), rapid.SampledFrom([]string{"Host", "host"}).Draw(rt, "Host"), rapid.SampledFrom([]string{"a", "b", "localhost:8080"}).Draw(rt, "host"))
			for range rapid.IntRange(0, memoFields+3).Draw(rt, "fields") {
				name := rapid.SampledFrom(names).Draw(rt, "name")
				fmt.Fprintf(&b, "%s: %s\r\n", name, rapid.SampledFrom(values).Draw(rt, "value"))
			}
			b.WriteString("\r\n")
			raw := b.String()
			got := buildOn(rt, memo, raw)
			want := buildOn(rt, newConn(s, nil), raw)
			if got.RequestURI != want.RequestURI || got.Host != want.Host || *got.URL != *want.URL ||
				!reflect.DeepEqual(got.Header, want.Header) {
				rt.Fatalf("%q: memo built %q %q %v %v, a fresh conn %q %q %v %v", raw,
					got.RequestURI, got.Host, got.URL, got.Header, want.RequestURI, want.Host, want.URL, want.Header)
			}
			seen = append(seen, kept{got, want.Header, want.RequestURI, want.Host})
			// A Handler may change its request's URL and header in place.
			got.URL.Path += "!"
			got.URL.RawQuery = "changed"
			got.Header.Set("Accept", "changed")
		}
		for i, k := range seen {
			k.header.Set("Accept", "changed")
			if k.req.RequestURI != k.uri || k.req.Host != k.host || !reflect.DeepEqual(k.req.Header, k.header) {
				rt.Fatalf("request %d changed after later requests: %q %q %v, want %q %q %v",
					i, k.req.RequestURI, k.req.Host, k.req.Header, k.uri, k.host, k.header)
			}
		}
		if memo.memo.n > memoFields {
			rt.Fatalf("memo holds %d fields, at most %d", memo.memo.n, memoFields)
		}
	})
}

// A head whose fresh bytes exceed memoMaxBytes is not remembered, so that
// a pooled conn never keeps a large head alive.
func TestHeadMemoKeepsNoLargeHead(t *testing.T) {
	c := newConn(&Server{}, nil)
	buildOn(t, c, "GET / HTTP/1.1\r\nHost: a\r\nX-Big: "+strings.Repeat("b", memoMaxBytes)+"\r\n\r\n")
	for _, f := range c.memo.fields[:c.memo.n] {
		if len(f.value) >= memoMaxBytes {
			t.Fatalf("memo keeps a %d-byte value", len(f.value))
		}
	}
	if c.memo.target != "" {
		t.Fatalf("memo keeps target %q of a head it should not remember", c.memo.target)
	}
}
