package mpsc

// ring is a FIFO of values in a circular slice that grows by doubling, up to
// limit values. It is not safe for concurrent use; the channel's mutex
// guards it.
type ring[T any] struct {
	limit int // the most values it will hold; the caller never pushes more
	buf   []T
	head  int // index of the oldest value
	n     int // number of values held
}

func (r *ring[T]) len() int { return r.n }

// push appends v, growing the slice when it is full.
func (r *ring[T]) push(v T) {
	if r.n == len(r.buf) {
		r.grow()
	}
	i := r.head + r.n
	if i >= len(r.buf) {
		i -= len(r.buf)
	}
	r.buf[i] = v
	r.n++
}

// pop removes and returns the oldest value; the ring must not be empty.
func (r *ring[T]) pop() T {
	var zero T
	v := r.buf[r.head]
	r.buf[r.head] = zero // do not keep the value alive
	r.head++
	if r.head == len(r.buf) {
		r.head = 0
	}
	r.n--
	return v
}

func (r *ring[T]) grow() {
	size := 2 * len(r.buf)
	if size == 0 {
		size = 8
	}
	if size > r.limit || size <= 0 {
		size = r.limit
	}
	buf := make([]T, size)
	k := copy(buf, r.buf[r.head:])
	copy(buf[k:], r.buf[:r.head])
	r.buf, r.head = buf, 0
}
