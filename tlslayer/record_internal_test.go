package tlslayer

import (
	"bytes"
	"testing"
)

// TestHelloPlanKeepsBuffersSmall: for every ClientHello size, the
// fragments cover the message and each fits crypto/tls's first record
// buffer, and the two buffers crypto/tls keeps (its record buffer, 576
// bytes with fragments, and its message buffer) hold less than when the
// record is handed whole (record buffer grown as readFromUntil grows it:
// the header's read, then the rest plus 512). For most sizes, and all
// those of common ClientHellos (under 2.5 KB), the message buffer is no
// larger either.
func TestHelloPlanKeepsBuffersSmall(t *testing.T) {
	larger, sizes := 0, 0
	for n := maxHelloFragment + 1; n <= maxPlaintext; n += 7 {
		sizes++
		plan := makeHelloPlan(n)
		var whole, frag bytes.Buffer
		whole.Write(make([]byte, n))
		sum := 0
		for _, k := range plan {
			if k <= 0 || k > maxHelloFragment {
				t.Fatalf("n=%d: fragment of %d bytes", n, k)
			}
			frag.Write(zeros[:k])
			sum += k
		}
		if sum != n {
			t.Fatalf("n=%d: fragments cover %d bytes", n, sum)
		}
		var raw bytes.Buffer
		raw.Grow(recordHeaderLen + bytes.MinRead)
		raw.Write(make([]byte, raw.Cap()))
		raw.Grow(n + recordHeaderLen - raw.Len() + bytes.MinRead)
		if held, was := 576+frag.Cap(), raw.Cap()+whole.Cap(); held >= was {
			t.Fatalf("n=%d: fragments leave %d bytes in the two buffers, the whole record %d", n, held, was)
		}
		if frag.Cap() > whole.Cap() {
			if n < 2500 {
				t.Fatalf("n=%d: the message buffer grows to %d bytes, for the whole message to %d", n, frag.Cap(), whole.Cap())
			}
			larger++
		}
	}
	if larger > sizes/2 {
		t.Fatalf("the message buffer grew larger than for the whole message for %d of %d sizes", larger, sizes)
	}
	t.Logf("message buffer larger than for the whole message for %d of %d sizes", larger, sizes)
}

// TestFragmentHelloKeepsBytes: the fragmented record carries the same
// body and what followed it.
func TestFragmentHelloKeepsBytes(t *testing.T) {
	body := make([]byte, 1900)
	for i := range body {
		body[i] = byte(i)
	}
	rec := append([]byte{recordTypeHandshake, 3, 1, byte(len(body) >> 8), byte(len(body))}, body...)
	rec = append(rec, "next"...)
	out := fragmentHello(rec)
	var got []byte
	b := out
	for recordLen(b) > 0 && b[0] == recordTypeHandshake {
		n := recordLen(b)
		if b[1] != 3 || b[2] != 1 || n-recordHeaderLen > maxHelloFragment {
			t.Fatalf("bad fragment header % x", b[:recordHeaderLen])
		}
		got = append(got, b[recordHeaderLen:n]...)
		b = b[n:]
	}
	if !bytes.Equal(got, body) || string(b) != "next" {
		t.Fatalf("fragments carry %d bytes, then %q", len(got), b)
	}
}
