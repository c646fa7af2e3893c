package http1parse_test

import (
	"errors"
	"fmt"
	"io"

	"github.com/shio-rt/shio/http1/internal/http1parse"
)

func ExampleParser() {
	var p http1parse.Parser
	var r http1parse.Request
	head := []byte("POST /upload HTTP/1.1\r\nHost: example.com\r\nContent-Length: 5\r\n\r\nhello")

	// The head arrives in two pieces: the first parse asks for more.
	_, err := p.Parse(head[:20], &r)
	fmt.Println(errors.Is(err, http1parse.ErrIncomplete))
	n, err := p.Parse(head, &r)
	fmt.Println(n, err, string(r.Method), string(r.Target), string(r.Host), r.ContentLength, r.KeepAlive)

	// A request that two servers could frame differently is refused.
	_, err = p.Parse([]byte("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n"), &r)
	fmt.Println(err)
	// Output:
	// true
	// 63 <nil> POST /upload example.com 5 true
	// http1parse: 400 both Content-Length and Transfer-Encoding
}

func ExampleChunked() {
	var d http1parse.Chunked
	in := []byte("5\r\nhello\r\n7\r\n, world\r\n0\r\nX-Sum: 12\r\n\r\nnext request")
	var body []byte
	for {
		data, n, err := d.Decode(in)
		body = append(body, data...)
		in = in[n:]
		if err == io.EOF {
			break
		}
	}
	fmt.Printf("%q\ntrailer %s=%s, left %q\n", body, d.Trailers()[0].Name, d.Trailers()[0].Value, in)
	// Output:
	// "hello, world"
	// trailer X-Sum=12, left "next request"
}
