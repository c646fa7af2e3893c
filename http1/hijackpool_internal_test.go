package http1

import (
	"reflect"
	"testing"

	"github.com/shio-rt/shio/http1/internal/http1parse"
)

// TestHijackedHeadStateGoesToTheNextConn: a conn whose connection was
// hijacked parses no more heads; its memo and its parser's storage go to
// memoPool (releaseHead), and a conn readied for a new connection (init)
// takes them from there, so that a server upgrading connection after
// connection leaves no head state per connection to the GC (span
// fragmentation in compat/idlews). sync.Pool may drop a Put (it does at
// random under the race detector), so the test hands over many and asks
// that some arrive.
func TestHijackedHeadStateGoesToTheNextConn(t *testing.T) {
	head := []byte("GET /chat HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: k\r\nSec-WebSocket-Version: 13\r\n\r\n")
	s := &Server{}
	const n = 40
	released := make(map[*headMemo]bool)
	conns := make([]*conn, n)
	for i := range conns { // all at once, so that none takes another's memo
		conns[i] = new(conn)
		conns[i].init(s, nil)
		if conns[i].memo == nil {
			t.Fatal("init left the conn without a memo")
		}
	}
	for _, c := range conns {
		if _, err := c.parser.Parse(head, &c.head); err != nil {
			t.Fatal(err)
		}
		m := c.memo
		c.releaseHead()
		if c.memo != nil || len(c.head.Fields) != 0 {
			t.Fatal("releaseHead left the memo or the head's fields with the conn")
		}
		if reflect.ValueOf(m.parse).IsZero() {
			t.Fatal("releaseHead did not give the parser's storage to the memo")
		}
		released[m] = true
	}
	reused := 0
	for range n {
		c := new(conn)
		c.init(s, nil)
		if released[c.memo] {
			reused++
			if !reflect.ValueOf(c.memo.parse).IsZero() {
				t.Fatal("init left the parser's storage in the memo")
			}
			var r http1parse.Request
			if _, err := c.parser.Parse(head, &r); err != nil || len(r.Fields) != 5 {
				t.Fatalf("a conn given a hijacked conn's parser storage: %v, %d fields", err, len(r.Fields))
			}
		}
	}
	if reused == 0 {
		t.Fatalf("none of %d released memos reached a new conn", n)
	}
}
