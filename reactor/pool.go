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

// getOut returns an empty buffer with room for at least n bytes.
func getOut(n int) []byte {
	if n > maxPooled {
		return make([]byte, 0, n)
	}
	b := *(outPool.Get().(*[]byte))
	if cap(b) < n {
		return make([]byte, 0, max(n, minBuf))
	}
	return b[:0]
}

// putOut returns b to the pool if it is of a poolable size.
func putOut(b []byte) {
	if cap(b) < minBuf || cap(b) > maxPooled {
		return
	}
	b = b[:0]
	outPool.Put(&b)
}
