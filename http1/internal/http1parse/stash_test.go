package http1parse_test

import (
	"reflect"
	"testing"

	"github.com/shio-rt/shio/http1/internal/http1parse"
)

// TestStashMovesStorage: a Parser's storage moves through Stash and
// Unstash to another Parser, which then parses (the memo included) exactly
// as a new one does, without allocating the fields' array again.
func TestStashMovesStorage(t *testing.T) {
	head := "GET /a HTTP/1.1\r\nHost: x\r\nUser-Agent: u\r\nAccept: */*\r\nX-A: 1\r\nX-B: 2\r\n\r\n"
	var p http1parse.Parser
	var r http1parse.Request
	if _, err := p.Parse([]byte(head), &r); err != nil {
		t.Fatal(err)
	}
	var s http1parse.Storage
	p.Stash(&s)

	// The stashed Parser is a new one: it parses the head alone.
	var r1 http1parse.Request
	if _, err := p.Parse([]byte(head), &r1); err != nil || len(r1.Fields) != 5 {
		t.Fatalf("stashed parser: %v, %d fields", err, len(r1.Fields))
	}

	var q http1parse.Parser
	q.Unstash(&s)
	if !reflect.ValueOf(s).IsZero() {
		t.Fatal("Unstash left the storage in s")
	}
	var r2 http1parse.Request
	if _, err := q.Parse([]byte(head), &r2); err != nil {
		t.Fatal(err)
	}
	// A new Parser's first head allocates the fields' array; one given
	// stashed storage does not.
	buf := []byte(head)
	if allocs := testing.AllocsPerRun(20, func() {
		var n http1parse.Parser
		var r http1parse.Request
		n.Parse(buf, &r)
	}); allocs == 0 {
		t.Fatal("a new Parser's first head allocated nothing: the check below measures nothing")
	}
	q.Stash(&s)
	if allocs := testing.AllocsPerRun(20, func() {
		var n http1parse.Parser
		var r http1parse.Request
		n.Unstash(&s)
		n.Parse(buf, &r)
		n.Stash(&s)
	}); allocs != 0 {
		t.Fatalf("a Parser given stashed storage allocated %.0f times for its first head", allocs)
	}
	q.Unstash(&s)
	if len(r2.Fields) != 5 || string(r2.Fields[4].Value) != "2" || string(r2.Host) != "x" {
		t.Fatalf("parsed with stashed storage: %+v", r2)
	}
	// Another head, not the memo's: parsed afresh.
	var r3 http1parse.Request
	if _, err := q.Parse([]byte("GET / HTTP/1.1\r\nHost: y\r\n\r\n"), &r3); err != nil || string(r3.Host) != "y" || len(r3.Fields) != 1 {
		t.Fatalf("after the memo's head: %v %+v", err, r3)
	}

	// A Parser that has storage keeps its own.
	var s2 http1parse.Storage
	q.Stash(&s2)
	var o http1parse.Parser
	o.Parse([]byte(head), &r3)
	o.Unstash(&s2)
	if !reflect.ValueOf(s2).IsZero() {
		t.Fatal("Unstash left the storage in s")
	}
	if _, err := o.Parse([]byte(head), &r3); err != nil || len(r3.Fields) != 5 {
		t.Fatalf("%v %+v", err, r3)
	}
}
