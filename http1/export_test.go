package http1

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/url"
	"time"
	"unsafe"
)

// eofConn is a net.Conn with nothing more to read, for parsing requests
// held entirely in memory.
type eofConn struct{ net.Conn }

func (eofConn) Read([]byte) (int, error)         { return 0, io.EOF }
func (eofConn) Write(p []byte) (int, error)      { return len(p), nil }
func (eofConn) SetReadDeadline(time.Time) error  { return nil }
func (eofConn) SetWriteDeadline(time.Time) error { return nil }

// ReadRequest reads one request from raw the way a connection does, for
// differential tests against http.ReadRequest. The body, if any, reads from
// the rest of raw.
func ReadRequest(raw []byte) (*http.Request, error) {
	s := &Server{MaxBodyBytes: -1}
	c := newConn(s, &netConn{Conn: eofConn{}})
	c.buf = append([]byte(nil), raw...)
	c.w = len(c.buf)
	n, err := c.parser.Parse(c.buf, &c.head)
	if err != nil {
		return nil, err
	}
	c.r = n
	req, err := c.newRequest(context.Background(), nil, nil)
	if err != nil {
		return nil, err
	}
	c.resp.reset(c, req)
	if b, ok := req.Body.(*body); ok {
		b.w = &c.resp
	}
	return req, nil
}

// ParseOriginForm exposes the fast path of request-target parsing.
func ParseOriginForm(target string) (*url.URL, bool) {
	u := new(url.URL)
	if !parseOriginForm(u, target) {
		return nil, false
	}
	return u, true
}

// NewSniffer returns a connection's memoised content sniffing.
func NewSniffer() func([]byte) string {
	var m sniffMemo
	return m.detect
}

// HeldBufferBytes reports the capacity of the buffers that the connection
// of w (a ResponseWriter of this package) and w itself hold.
func HeldBufferBytes(w http.ResponseWriter) int {
	r := w.(*response)
	n := cap(r.c.buf) + cap(r.c.out) + cap(r.pend) + cap(r.fields)
	if r.c.memo != nil {
		n += int(unsafe.Sizeof(*r.c.memo)) // the last head's strings
	}
	return n
}

// HoldsWake reports whether the reactor connection of w (a ResponseWriter
// of this package) holds a wake channel for its request goroutine.
func HoldsWake(w http.ResponseWriter) bool {
	rc, ok := w.(*response).c.rwc.(*rconn)
	return ok && rc.wake != nil
}
