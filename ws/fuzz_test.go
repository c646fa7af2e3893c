package ws

import (
	"bytes"
	"fmt"
	"net"
	"testing"
	"time"
)

// fakeTransport records what a Conn writes and whether it closed.
type fakeTransport struct {
	out    bytes.Buffer
	closed bool
}

func (f *fakeTransport) Write(p []byte) (int, error)     { return f.out.Write(p) }
func (f *fakeTransport) Buffered() int                   { return 0 }
func (f *fakeTransport) Close() error                    { f.closed = true; return nil }
func (f *fakeTransport) SetReadDeadline(time.Time) error { return nil }
func (f *fakeTransport) PauseRead()                      {}
func (f *fakeTransport) ResumeRead()                     {}
func (f *fakeTransport) RemoteAddr() net.Addr            { return &net.TCPAddr{} }
func (f *fakeTransport) LocalAddr() net.Addr             { return &net.TCPAddr{} }

// recorder is a Handler that writes down every event.
type recorder struct{ log bytes.Buffer }

func (r *recorder) OnOpen(*Conn) {}
func (r *recorder) OnMessage(c *Conn, typ MessageType, p []byte) {
	fmt.Fprintf(&r.log, "msg %d %q\n", typ, p)
}
func (r *recorder) OnClose(c *Conn, err error) { fmt.Fprintf(&r.log, "close %v\n", err) }

// run feeds input to a server Conn in pieces cut at the given sizes, as
// the reactor would (unconsumed bytes presented again with more), and
// returns what the handler saw and what the Conn wrote.
func run(t testing.TB, input []byte, cuts []byte, compressed bool) (string, string) {
	return runWith(t, input, cuts, compressed, false)
}

// streamRecorder is a StreamHandler that assembles the pieces and writes
// down each message as recorder does, once its last piece came.
type streamRecorder struct {
	recorder
	msg []byte
}

func (r *streamRecorder) OnFragment(c *Conn, typ MessageType, p []byte, final bool) {
	r.msg = append(r.msg, p...)
	if final {
		r.OnMessage(c, typ, r.msg)
		r.msg = r.msg[:0]
	}
}

// runWith is run, the handler a StreamHandler if stream.
func runWith(t testing.TB, input []byte, cuts []byte, compressed, stream bool) (string, string) {
	lim, _ := (&Config{MaxMessageSize: 1 << 16}).resolve()
	ft := &fakeTransport{}
	var rec *recorder
	var h Handler
	if stream {
		sr := &streamRecorder{}
		rec, h = &sr.recorder, sr
	} else {
		rec = &recorder{}
		h = rec
	}
	c := &Conn{t: ft, lim: lim, h: h}
	c.setup()
	if compressed {
		c.x = &extras{dfl: &deflate{peerTakeover: true, threshold: 1 << 30}}
	}
	var kept []byte
	for i := 0; len(input) > 0 && !ft.closed; i++ {
		k := len(input)
		if len(cuts) > 0 {
			k = min(k, int(cuts[i%len(cuts)])+1)
		}
		// The reactor hands over a fresh copy: the parser may unmask in
		// place.
		data := append(append([]byte(nil), kept...), input[:k]...)
		input = input[k:]
		n := c.onData(data)
		if n < 0 || n > len(data) {
			t.Fatalf("consumed %d of %d", n, len(data))
		}
		kept = data[n:]
	}
	c.finish(nil)
	return rec.log.String(), ft.out.String()
}

// FuzzParse checks that any input, cut anywhere, never panics and gives
// the same messages, answers and verdict as the same input in one piece.
func FuzzParse(f *testing.F) {
	masked := func(b0 byte, p string) []byte {
		b := []byte{b0, 0x80 | byte(len(p)), 1, 2, 3, 4}
		for i := range len(p) {
			b = append(b, p[i]^byte(i%4+1))
		}
		return b
	}
	f.Add(masked(0x81, "hello"), []byte{0})
	f.Add(append(masked(0x01, "frag"), masked(0x80, "ment")...), []byte{2, 5})
	f.Add(append(masked(0x89, "ping"), masked(0x88, "\x03\xe8bye")...), []byte{1})
	f.Add(masked(0x81, "\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5\xed\xa0\x80"), []byte{3})
	f.Add([]byte{0x82, 0xfe, 0x01, 0x00, 0, 0, 0, 0}, []byte{7})
	f.Fuzz(func(t *testing.T, input, cuts []byte) {
		if len(input) > 1<<16 {
			return
		}
		wantLog, wantOut := run(t, input, nil, false)
		gotLog, gotOut := run(t, input, cuts, false)
		if gotLog != wantLog || gotOut != wantOut {
			t.Fatalf("split input gave\n%s%q\nwhole gave\n%s%q", gotLog, gotOut, wantLog, wantOut)
		}
	})
}

// FuzzParseDeflate is FuzzParse with permessage-deflate agreed on (the
// peer keeping its context): compressed messages, dictionaries and
// decompression limits, cut anywhere.
func FuzzParseDeflate(f *testing.F) {
	f.Add([]byte{0xc1, 0x87, 1, 2, 3, 4, 0xf3, 0x4a, 0xcd, 0xc9, 0xc9, 0x07, 0x00}, []byte{1})
	f.Add([]byte{0x41, 0x83, 0, 0, 0, 0, 0xf2, 0x48, 0xcd, 0x80, 0x84, 0, 0, 0, 0, 0xc9, 0xc9, 0x07, 0x00}, []byte{0, 3})
	f.Fuzz(func(t *testing.T, input, cuts []byte) {
		if len(input) > 1<<16 {
			return
		}
		wantLog, wantOut := run(t, input, nil, true)
		gotLog, gotOut := run(t, input, cuts, true)
		if gotLog != wantLog || gotOut != wantOut {
			t.Fatalf("split input gave\n%s%q\nwhole gave\n%s%q", gotLog, gotOut, wantLog, wantOut)
		}
	})
}

// FuzzParseStream: a StreamHandler's pieces, whatever the cuts, add up to
// the messages, answers and verdict of the assembling parser given the
// input in one piece, with and without compression.
func FuzzParseStream(f *testing.F) {
	f.Add([]byte{0x01, 0x82, 1, 2, 3, 4, 0xcf, 0xb8, 0x80, 0x83, 1, 2, 3, 4, 0x82, 0xbc, 0xbc}, []byte{0, 4}, false)
	f.Add([]byte{0xc1, 0x87, 1, 2, 3, 4, 0xf3, 0x4a, 0xcd, 0xc9, 0xc9, 0x07, 0x00}, []byte{1}, true)
	f.Add([]byte{0x81, 0x82, 0, 0, 0, 0, 0xce, 0xff}, []byte{2}, false)
	f.Fuzz(func(t *testing.T, input, cuts []byte, compressed bool) {
		if len(input) > 1<<16 {
			return
		}
		wantLog, wantOut := runWith(t, input, nil, compressed, false)
		gotLog, gotOut := runWith(t, input, cuts, compressed, true)
		if gotLog != wantLog || gotOut != wantOut {
			t.Fatalf("streamed split input gave\n%s%q\nassembled whole gave\n%s%q", gotLog, gotOut, wantLog, wantOut)
		}
	})
}
