//go:build !reactor_portable

package reactor

import (
	"testing"
	"unsafe"
)

// Every connection holds one Conn for its whole life, idle or not: it must
// stay within the 288-byte size class (a field added by the connections
// view, one by TryRead and one by the pause bookkeeping once took it to
// 312 bytes, the 320-byte class: 32 bytes more per idle connection). Flags
// share words (connSys.flags, connSys.direct) for that reason.
func TestConnStaysInItsSizeClass(t *testing.T) {
	if n := unsafe.Sizeof(Conn{}); n > 288 {
		t.Fatalf("reactor.Conn is %d bytes, past the 288-byte size class", n)
	}
}
