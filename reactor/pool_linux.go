//go:build !reactor_portable

package reactor

import "sync"

// Outbound queues are written from any goroutine, so their buffers come
// from a sync.Pool; inbound leftovers are loop-owned and use the loop's
// free list (loop.getIn). Buffers are pooled only up to maxPooled so that
// one burst does not pin a large buffer forever.
const (
	minBuf    = 4 << 10
	maxPooled = 64 << 10
)

var outPool = sync.Pool{New: func() any { b := make([]byte, 0, minBuf); return &b }}

// getOut returns a pooled box holding an empty buffer with room for at
// least n bytes. The box travels with its buffer (Conn.outBox), so that
// putOut allocates nothing.
func getOut(n int) *[]byte {
	if n > maxPooled {
		b := make([]byte, 0, n)
		return &b
	}
	p := outPool.Get().(*[]byte)
	if cap(*p) < n {
		*p = make([]byte, 0, max(n, minBuf))
	}
	*p = (*p)[:0]
	return p
}

// putOut returns box to the pool holding b, the buffer getOut gave with it
// or the larger one appends made of it, if b is of a poolable size.
func putOut(box *[]byte, b []byte) {
	if box == nil || cap(b) < minBuf || cap(b) > maxPooled {
		return
	}
	*box = b[:0]
	outPool.Put(box)
}
