package ws_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/shio-rt/shio/ws"
)

// The conformance suite follows the case families of the Autobahn
// testsuite (its published case descriptions, not its code): 1 framing,
// 2 pings and pongs, 3 reserved bits, 4 opcodes, 5 fragmentation, 6 UTF-8
// (failing fast: TestUTF8FailsFast), 7 close, 9 limits (TestLimits); 12
// and 13, compression under every offer, are TestDeflateAutobahn12and13
// with TestDeflateNegotiation and TestDeflateFrames. Every case runs
// twice: the client's bytes in one write, and one byte per write, so that
// the parser resumes across every split.

type step struct {
	send  []byte
	want  []rframe // frames expected back, in order, before the next step
	close int      // >0: the server must close with this code (-1: an empty close frame)
}

type confCase struct {
	name  string
	steps []step
}

func text(s string) []byte            { return frame(0x81, []byte(s), false) }
func bin(p []byte) []byte             { return frame(0x82, p, false) }
func echoed(op byte, s string) rframe { return rframe{fin: true, op: op, p: []byte(s)} }

func cases() []confCase {
	big := func(n int) string { return strings.Repeat("*", n) }
	var out []confCase
	add := func(name string, steps ...step) { out = append(out, confCase{name, steps}) }

	// 1: framing.
	for _, n := range []int{0, 1, 125, 126, 127, 65535, 65536, 300000} {
		s := big(n)
		add("1/text/"+itoa(n), step{send: text(s), want: []rframe{echoed(1, s)}})
		add("1/binary/"+itoa(n), step{send: bin([]byte(s)), want: []rframe{echoed(2, s)}})
	}
	add("1/two-in-one-write", step{send: append(text("a"), text("b")...), want: []rframe{echoed(1, "a"), echoed(1, "b")}})

	// 2: pings and pongs.
	add("2/ping-empty", step{send: frame(0x89, nil, false), want: []rframe{echoed(10, "")}})
	add("2/ping-125", step{send: frame(0x89, []byte(big(125)), false), want: []rframe{echoed(10, big(125))}})
	add("2/ping-binary", step{send: frame(0x89, []byte{0, 0xff, 0xfe, 0xfd}, false), want: []rframe{echoed(10, "\x00\xff\xfe\xfd")}})
	add("2/ping-126", step{send: frame(0x89, []byte(big(126)), false), close: 1002})
	add("2/unsolicited-pong", step{send: append(frame(0x8a, []byte("x"), false), text("after")...), want: []rframe{echoed(1, "after")}})
	add("2/ten-pings", step{send: bytes.Repeat(frame(0x89, []byte("p"), false), 10),
		want: []rframe{echoed(10, "p"), echoed(10, "p"), echoed(10, "p"), echoed(10, "p"), echoed(10, "p"),
			echoed(10, "p"), echoed(10, "p"), echoed(10, "p"), echoed(10, "p"), echoed(10, "p")}})

	// 3: reserved bits.
	for _, rsv := range []byte{0x40, 0x20, 0x10, 0x70} {
		add("3/rsv-text/"+itoa(int(rsv)), step{send: frame(0x81|rsv, []byte("x"), false), close: 1002})
		add("3/rsv-ping/"+itoa(int(rsv)), step{send: frame(0x89|rsv, nil, false), close: 1002})
	}
	add("3/rsv-after-echo", step{send: append(text("ok"), frame(0xc1, []byte("x"), false)...), want: []rframe{echoed(1, "ok")}, close: 1002})

	// 4: opcodes.
	for _, op := range []byte{3, 4, 5, 6, 7, 0xb, 0xc, 0xd, 0xe, 0xf} {
		add("4/reserved-opcode/"+itoa(int(op)), step{send: frame(0x80|op, []byte("x"), false), close: 1002})
	}

	// 5: fragmentation.
	add("5/fragmented-ping", step{send: frame(0x09, []byte("p"), false), close: 1002})
	add("5/fragmented-close", step{send: frame(0x08, nil, false), close: 1002})
	add("5/text-in-fragments", step{send: cat(frame(0x01, []byte("frag"), false), frame(0x00, []byte("men"), false), frame(0x80, []byte("ted"), false)),
		want: []rframe{echoed(1, "fragmented")}})
	add("5/empty-fragments", step{send: cat(frame(0x01, nil, false), frame(0x00, nil, false), frame(0x80, nil, false)), want: []rframe{echoed(1, "")}})
	add("5/ping-between-fragments", step{send: cat(frame(0x01, []byte("a"), false), frame(0x89, []byte("p"), false), frame(0x80, []byte("b"), false)),
		want: []rframe{echoed(10, "p"), echoed(1, "ab")}})
	add("5/continuation-first", step{send: frame(0x80, []byte("x"), false), close: 1002})
	add("5/continuation-unfinished-first", step{send: frame(0x00, []byte("x"), false), close: 1002})
	add("5/text-inside-fragmented", step{send: cat(frame(0x01, []byte("a"), false), frame(0x81, []byte("b"), false)), close: 1002})
	add("5/binary-in-fragments", step{send: cat(frame(0x02, []byte{1}, false), frame(0x80, []byte{2}, false)), want: []rframe{echoed(2, "\x01\x02")}})

	// 6: UTF-8.
	for _, s := range []string{"κόσμε", "\u00e9", "\u0800", "\uffff", "\U00010000", "\U0010ffff", "\xed\x9f\xbf", "\xee\x80\x80"} {
		add("6/valid/"+itoa(len(s))+"/"+s, step{send: text(s), want: []rframe{echoed(1, s)}})
		// The same text cut inside a character between fragments.
		add("6/valid-split/"+s, step{send: cat(frame(0x01, []byte(s[:1]), false), frame(0x80, []byte(s[1:]), false)), want: []rframe{echoed(1, s)}})
	}
	for _, s := range []string{"\xff", "\xc0\xaf", "\xe0\x80\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xf5", "\x80",
		"κόσμε\xed\xa0\x80edited", "\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5\xed\xa0\x80\x65\x64\x69\x74\x65\x64", "\xe0\xa0"} {
		add("6/invalid/"+itoa(len(s)), step{send: text(s), close: 1007})
	}
	add("6/invalid-across-fragments", step{send: cat(frame(0x01, []byte("\xce"), false), frame(0x80, []byte("\xff"), false)), close: 1007})
	add("6/incomplete-at-end", step{send: cat(frame(0x01, []byte("ok"), false), frame(0x80, []byte("\xce"), false)), close: 1007})

	// 7: close.
	for _, code := range []uint16{1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 3999, 4000, 4999} {
		add("7/valid-code/"+itoa(int(code)), step{send: frame(0x88, closePayload(code, "bye"), false), close: int(code)})
	}
	for _, code := range []uint16{0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535} {
		add("7/invalid-code/"+itoa(int(code)), step{send: frame(0x88, closePayload(code, ""), false), close: 1002})
	}
	add("7/empty-close", step{send: frame(0x88, nil, false), close: -1})
	add("7/close-one-byte", step{send: frame(0x88, []byte{3}, false), close: 1002})
	add("7/close-reason-invalid-utf8", step{send: frame(0x88, closePayload(1000, "\xff"), false), close: 1007})
	add("7/close-reason-123", step{send: frame(0x88, closePayload(1000, big(123)), false), close: 1000})
	add("7/nothing-after-close", step{send: cat(frame(0x88, closePayload(1000, ""), false), text("ignored")), close: 1000})

	// Masking.
	add("mask/unmasked-from-client", step{send: frame(0x81, []byte("x"), true), close: 1002})
	return out
}

func cat(ps ...[]byte) []byte { return bytes.Join(ps, nil) }

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b []byte
	for ; n > 0; n /= 10 {
		b = append([]byte{byte('0' + n%10)}, b...)
	}
	return string(b)
}

func TestConformance(t *testing.T) {
	var up ws.Upgrader
	addr := serveWS(t, &up, echo{})
	for _, split := range []bool{false, true} {
		for _, cc := range cases() {
			name := cc.name
			if split {
				name = "split/" + name
			}
			t.Run(name, func(t *testing.T) {
				c := dialRaw(t, addr)
				for _, st := range cc.steps {
					// The portable reactor does not linger after a close: a
					// client still sending byte by byte into a connection
					// the server failed gets a reset that can swallow the
					// close frame, so its failure cases go in one write.
					if split && len(st.send) < 4096 && (epoll || st.close == 0) {
						c.sendSplit(st.send)
					} else {
						c.send(st.send)
					}
					for _, w := range st.want {
						c.expect(w.op, string(w.p))
					}
					switch {
					case st.close > 0:
						c.expectClose(uint16(st.close))
					case st.close < 0:
						c.expectClose(0)
					}
				}
			})
		}
	}
}

// TestLimits (Autobahn family 9, as limits): a message or frame over the
// limits fails the connection with 1009 as soon as a frame header says so,
// before its payload has arrived.
func TestLimits(t *testing.T) {
	up := ws.Upgrader{Config: ws.Config{MaxMessageSize: 1000, MaxFrameSize: 600}}
	addr := serveWS(t, &up, echo{})
	for _, tc := range []struct {
		name string
		send []byte
	}{
		{"frame over MaxFrameSize", text(strings.Repeat("x", 601))},
		{"fragments over MaxMessageSize", cat(frame(0x01, bytes.Repeat([]byte("x"), 600), false), frame(0x00, bytes.Repeat([]byte("x"), 401), false))},
		{"header alone announcing 1 GiB", []byte{0x82, 0xff, 0, 0, 0, 0, 0x40, 0, 0, 0, 1, 2, 3, 4}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := dialRaw(t, addr)
			c.send(tc.send)
			c.expectClose(1009)
		})
	}
	t.Run("at the limits", func(t *testing.T) {
		c := dialRaw(t, addr)
		s := strings.Repeat("y", 1000)
		c.send(cat(frame(0x01, []byte(s[:600]), false), frame(0x80, []byte(s[600:]), false)))
		c.expect(1, s)
	})
}

// TestUTF8FailsFast (Autobahn 6.4): invalid UTF-8 fails the connection as
// soon as it arrives, inside a frame whose rest has not been sent, and
// inside a fragment of a message whose final fragment has not.
func TestUTF8FailsFast(t *testing.T) {
	var up ws.Upgrader
	addr := serveWS(t, &up, echo{})
	whole := []byte("κόσμε\xf4\x90\x80\x80 and the rest of a long frame")
	for _, tc := range []struct {
		name string
		send []byte
	}{
		{"inside a frame", frame(0x81, whole, false)[:6+len("κόσμε")+2]},
		{"inside a fragment", frame(0x01, whole[:len("κόσμε")+2], false)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := dialRaw(t, addr)
			c.send(tc.send) // and nothing more
			c.expectClose(1007)
		})
	}
}
