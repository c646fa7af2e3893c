package tlslayer

import (
	"testing"
	"unsafe"
)

// TestConnStaysInItsSizeClass: every idle TLS connection holds a Conn, so
// a field added to it must fit the 160-byte size class (or say why not).
func TestConnStaysInItsSizeClass(t *testing.T) {
	if n := unsafe.Sizeof(Conn{}); n > 160 {
		t.Fatalf("tlslayer.Conn is %d bytes, past its 160-byte size class", n)
	}
}
