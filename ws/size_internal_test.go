package ws

import (
	"testing"
	"unsafe"
)

// Every WebSocket connection holds one Conn for its whole life, idle or
// not: it must stay within the 144-byte size class (it was 208 until the
// subprotocol moved to extras, the message buffer became a pointer and
// the small fields were put together, 160 until the input's and the
// state's booleans became bits), and extras, which a compressed
// connection holds too, within 80.
func TestConnStaysInItsSizeClass(t *testing.T) {
	if n := unsafe.Sizeof(Conn{}); n > 144 {
		t.Fatalf("ws.Conn is %d bytes, past the 144-byte size class", n)
	}
	if n := unsafe.Sizeof(extras{}); n > 80 {
		t.Fatalf("ws.extras is %d bytes, past the 80-byte size class", n)
	}
}

// The handshake's key checks run once per upgrade: the RFC's example, the
// keys that are not 16 bytes in base64, and no garbage beyond the answer's
// string (each upgrade's garbage is heap an idle server keeps; see
// TestIdleMemory).
func TestHandshakeKeys(t *testing.T) {
	const key = "dGhlIHNhbXBsZSBub25jZQ==" // RFC 6455 section 1.3
	if got := acceptKey(key); got != "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=" {
		t.Fatalf("acceptKey = %q", got)
	}
	if got := acceptKey(key + key + key); got == "" { // longer than the stack buffer
		t.Fatal("acceptKey of a long key is empty")
	}
	if !validKey(key) {
		t.Fatal("the RFC's key is refused")
	}
	for _, k := range []string{"", "dGhlIHNhbXBsZSBub25jZQ=", "dGhlIHNhbXBsZSBub25jZQ=x", "dGhlIHNhbXBsZSBub25jZQ!=",
		"dGhlIHNhbXBsZSBub25jZQAB", "dGhlIHNhbXBsZSBub25jZQ=A", key + "=="} {
		if validKey(k) {
			t.Errorf("validKey(%q) = true", k)
		}
	}
	if n := testing.AllocsPerRun(100, func() { _ = acceptKey(key) }); n > 1 {
		t.Errorf("acceptKey: %v allocations, want 1 (its string)", n)
	}
	if n := testing.AllocsPerRun(100, func() { _ = validKey(key) }); n > 0 {
		t.Errorf("validKey: %v allocations, want none", n)
	}
}
