package mpsc

// waiter is one blocked call: a Send, a Reserve or a Recv. It sits in a
// waitList under the channel's mutex until the channel serves it, then the
// server signals ready exactly once.
type waiter[T any] struct {
	next, prev *waiter[T]
	// ready has a buffer of one: the server signals it once, without
	// blocking, after setting the fields below.
	ready chan struct{}

	// Set by the blocked call before it enqueues.
	val     T    // Send: the value to deliver
	reserve bool // Reserve: wants a slot, not a delivery

	// Set by the server under the channel's mutex.
	served bool  // removed from the list and signalled
	err    error // ErrClosed if the channel closed instead
	got    T     // Recv: the value handed over
	woke   int64 // obs.Stamp() of the signal, for the collector
}

// reset clears the waiter for reuse. ready must be empty.
func (w *waiter[T]) reset() {
	var zero T
	w.next, w.prev = nil, nil
	w.val, w.got = zero, zero
	w.reserve, w.served, w.err, w.woke = false, false, nil, 0
}

// waitList is an intrusive doubly linked FIFO of waiters. The zero value is
// an empty list. It is not safe for concurrent use.
type waitList[T any] struct {
	head, tail *waiter[T]
}

func (l *waitList[T]) empty() bool { return l.head == nil }

func (l *waitList[T]) pushBack(w *waiter[T]) {
	w.prev, w.next = l.tail, nil
	if l.tail == nil {
		l.head = w
	} else {
		l.tail.next = w
	}
	l.tail = w
}

func (l *waitList[T]) popFront() *waiter[T] {
	w := l.head
	l.remove(w)
	return w
}

func (l *waitList[T]) remove(w *waiter[T]) {
	if w.prev == nil {
		l.head = w.next
	} else {
		w.prev.next = w.next
	}
	if w.next == nil {
		l.tail = w.prev
	} else {
		w.next.prev = w.prev
	}
	w.next, w.prev = nil, nil
}
