package wheel

import (
	"testing"
	"unsafe"
)

// A wheel keeps a node for every connection slot its loop ever had, idle
// connections included: 16 bytes each (an armed flag beside them made 24).
func TestNodeIs16Bytes(t *testing.T) {
	if n := unsafe.Sizeof(node{}); n > 16 {
		t.Fatalf("node is %d bytes, want 16", n)
	}
}
