package cdp_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/shio-rt/shio/internal/cdp"
)

// TestConnCarriesMessagesOfEverySizeClass: a message of each length
// encoding (7-bit, 16-bit, 64-bit) sent by one Conn is received whole by
// another; a close frame reads as io.EOF.
func TestConnCarriesMessagesOfEverySizeClass(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	done := make(chan error, 1)
	go func() { // a peer that answers the handshake, then echoes frames as sent (masked)
		c, err := ln.Accept()
		if err != nil {
			done <- err
			return
		}
		defer c.Close()
		br := bufio.NewReader(c)
		req, err := http.ReadRequest(br)
		if err != nil {
			done <- err
			return
		}
		if req.Header.Get("Upgrade") != "websocket" {
			done <- errors.New("no upgrade")
			return
		}
		io.WriteString(c, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n")
		_, err = io.Copy(c, br)
		done <- err
	}()
	c, err := cdp.Dial("ws://" + ln.Addr().String() + "/devtools/page/x")
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []int{0, 125, 126, 65535, 65536, 200_000} {
		msg := bytes.Repeat([]byte("abcdefg"), n/7+1)[:n]
		if err := c.Send(msg); err != nil {
			t.Fatal(err)
		}
		got, err := c.Recv()
		if err != nil || !bytes.Equal(got, msg) {
			t.Fatalf("%d bytes: got %d bytes, %v", n, len(got), err)
		}
	}
	c.Close()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// scripted is a Transport whose replies are given in advance.
type scripted struct {
	sent    []map[string]any
	replies []string
}

func (s *scripted) Send(b []byte) error {
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		return err
	}
	s.sent = append(s.sent, m)
	return nil
}

func (s *scripted) Recv() ([]byte, error) {
	if len(s.replies) == 0 {
		return nil, io.EOF
	}
	r := s.replies[0]
	s.replies = s.replies[1:]
	return []byte(r), nil
}

// TestClientRecordsThePageErrors: a call returns its own result, skipping
// the events before it and recording those that report errors; an error
// answer is an error; Eval decodes the value and reports an exception.
func TestClientRecordsThePageErrors(t *testing.T) {
	tr := &scripted{replies: []string{
		`{"method":"Runtime.exceptionThrown","params":{"x":1}}`,
		`{"method":"Runtime.consoleAPICalled","params":{"type":"log"}}`,
		`{"method":"Runtime.consoleAPICalled","params":{"type":"error"}}`,
		`{"method":"Log.entryAdded","params":{"entry":{"level":"error"}}}`,
		`{"id":7,"result":{}}`, // not this call's
		`{"id":1,"result":{"result":{"value":{"n":42}}}}`,
		`{"id":2,"error":{"message":"no such method"}}`,
		`{"id":3,"result":{"result":{},"exceptionDetails":{"text":"boom"}}}`,
	}}
	c := cdp.NewClient(tr)
	var v struct{ N int }
	if err := c.Eval("({n: 42})", &v); err != nil || v.N != 42 {
		t.Fatalf("Eval: %+v, %v", v, err)
	}
	if tr.sent[0]["method"] != "Runtime.evaluate" || tr.sent[0]["id"] != 1.0 {
		t.Errorf("sent %v", tr.sent[0])
	}
	if len(c.Errors) != 3 || !strings.HasPrefix(c.Errors[0], "exception") || !strings.HasPrefix(c.Errors[1], "console.error") || !strings.HasPrefix(c.Errors[2], "log") {
		t.Errorf("errors %q", c.Errors)
	}
	if _, err := c.Call("Nope.nope", nil); err == nil || !strings.Contains(err.Error(), "no such method") {
		t.Errorf("error answer: %v", err)
	}
	if err := c.Eval("boom()", &v); err == nil || !strings.Contains(err.Error(), "boom") {
		t.Errorf("exception: %v", err)
	}
	if _, err := c.Call("X.y", nil); err != io.EOF {
		t.Errorf("closed transport: %v", err)
	}
}

// TestClientCollectsATrace: the trace events sent while a trace records,
// during other calls and after Tracing.end, are returned by EndTrace once
// the browser says the trace is complete; those sent before StartTrace are
// not.
func TestClientCollectsATrace(t *testing.T) {
	tr := &scripted{replies: []string{
		`{"method":"Tracing.dataCollected","params":{"value":[{"name":"before"}]}}`,
		`{"id":1,"result":{}}`, // Tracing.start
		`{"method":"Tracing.dataCollected","params":{"value":[{"name":"FunctionCall","ph":"X","ts":10,"dur":2000,"tdur":1500,"args":{"data":{"functionName":"f"}}}]}}`,
		`{"id":2,"result":{"result":{"value":1}}}`, // Runtime.evaluate
		`{"id":3,"result":{}}`,                     // Tracing.end
		`{"method":"Tracing.dataCollected","params":{"value":[{"name":"Layout","dur":5},{"name":"Paint"}]}}`,
		`{"method":"Tracing.tracingComplete","params":{}}`,
	}}
	c := cdp.NewClient(tr)
	if _, err := c.EndTrace(); err == nil {
		t.Error("EndTrace without a trace: no error")
	}
	if err := c.StartTrace("devtools.timeline"); err != nil {
		t.Fatal(err)
	}
	if err := c.StartTrace("x"); err == nil {
		t.Error("a second StartTrace: no error")
	}
	var one int
	if err := c.Eval("1", &one); err != nil || one != 1 {
		t.Fatalf("Eval: %v, %v", one, err)
	}
	evs, err := c.EndTrace()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range evs {
		names = append(names, e.Name)
	}
	if strings.Join(names, " ") != "FunctionCall Layout Paint" || evs[0].Dur != 2000 || evs[0].TDur != 1500 || evs[0].Ph != "X" ||
		!strings.Contains(string(evs[0].Args), `"functionName":"f"`) {
		t.Errorf("trace %+v", evs)
	}
	cats := tr.sent[0]["params"].(map[string]any)["traceConfig"].(map[string]any)["includedCategories"]
	if tr.sent[0]["method"] != "Tracing.start" || len(cats.([]any)) != 1 || tr.sent[2]["method"] != "Tracing.end" {
		t.Errorf("sent %v", tr.sent)
	}
}
