package stream

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"sync"
)

// Entry is one value of a [StreamMap], with the key of the stream it came
// from.
type Entry[K comparable, T any] struct {
	Key   K
	Value T
}

// KeyError is returned by [StreamMap.Next] when the stream under Key
// failed with Err. That stream is removed; the map goes on.
type KeyError[K comparable] struct {
	Key K
	Err error
}

// Error returns "stream: key <Key>: <Err>".
func (e *KeyError[K]) Error() string { return fmt.Sprintf("stream: key %v: %v", e.Key, e.Err) }

// Unwrap returns Err.
func (e *KeyError[K]) Unwrap() error { return e.Err }

// StreamMap merges streams that are added and removed by key while it
// runs, as Tokio's StreamMap: one stream per chat room, per device, per
// subscription. It is a [Stream] of [Entry] values, fair among its streams
// in the way of [Merge] (round robin over the streams with a value ready).
// A stream that ends is removed; one that fails is removed and reported as
// a [*KeyError] without ending the map. While the map is empty, Next
// returns io.EOF, which does not end it: insert more streams and call Next
// again.
//
// Each stream runs on its own goroutine, started by Insert, and holds at
// most two values. Insert, Remove, Len and Keys are safe to call from any
// goroutine, also while Next runs; Next and Close follow the [Stream] rule.
// The zero value is an empty map ready to use; it must not be copied.
//
// # Cancellation
//
// A cancelled Next loses nothing.
type StreamMap[K comparable, T any] struct {
	mu      sync.Mutex // guards the fields below
	members map[K]*member[K, T]
	ring    []*member[K, T] // the members in insertion order, for round robin
	next    int             // the ring position Next looks at first
	gen     uint64          // numbers members
	signal  chan struct{}   // capacity 1: a value was parked or a member left
	closed  bool
}

type member[K comparable, T any] struct {
	key      K
	cancel   context.CancelFunc
	slot     chan item[T]  // capacity 1: the parked value
	done     chan struct{} // closed when the goroutine has exited and closed its stream
	closeErr error         // the stream's Close error, valid once done is closed
}

// Insert adds s under key and starts reading it. A stream already under
// key is removed first, as by [StreamMap.Remove]. Inserting into a closed
// map closes s at once.
func (m *StreamMap[K, T]) Insert(key K, s Stream[T]) {
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		s.Close()
		return
	}
	if m.members == nil {
		m.members = make(map[K]*member[K, T])
		m.signal = make(chan struct{}, 1)
	}
	old := m.members[key]
	if old != nil {
		m.deleteLocked(old)
	}
	ctx, cancel := context.WithCancel(context.Background())
	mb := &member[K, T]{key: key, cancel: cancel, slot: make(chan item[T], 1), done: make(chan struct{})}
	m.members[key] = mb
	m.ring = append(m.ring, mb)
	signal := m.signal
	m.mu.Unlock()
	if old != nil {
		old.stop()
	}
	go func() {
		defer close(mb.done)
		pump(ctx, s, mb.slot, signal, &mb.closeErr)
	}()
}

// stop cancels the member's goroutine and waits for it to exit.
func (mb *member[K, T]) stop() {
	mb.cancel()
	<-mb.done
}

// deleteLocked takes mb out of the map and the ring.
func (m *StreamMap[K, T]) deleteLocked(mb *member[K, T]) {
	delete(m.members, mb.key)
	if i := slices.Index(m.ring, mb); i >= 0 {
		m.ring = slices.Delete(m.ring, i, i+1)
		if m.next > i {
			m.next--
		}
	}
	select {
	case m.signal <- struct{}{}: // a waiting Next may find the map empty
	default:
	}
}

// Remove stops and closes the stream under key, waiting for its goroutine
// to exit, and reports whether there was one. A value it had parked is
// dropped.
func (m *StreamMap[K, T]) Remove(key K) bool {
	m.mu.Lock()
	mb, ok := m.members[key]
	if ok {
		m.deleteLocked(mb)
	}
	m.mu.Unlock()
	if ok {
		mb.stop()
	}
	return ok
}

// Len returns the number of streams in the map.
func (m *StreamMap[K, T]) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.members)
}

// Keys returns the keys of the streams in the map, in insertion order.
func (m *StreamMap[K, T]) Keys() []K {
	m.mu.Lock()
	defer m.mu.Unlock()
	keys := make([]K, len(m.ring))
	for i, mb := range m.ring {
		keys[i] = mb.key
	}
	return keys
}

// pollLocked takes one parked value in round-robin order, if any.
func (m *StreamMap[K, T]) pollLocked() (*member[K, T], item[T], bool) {
	n := len(m.ring)
	for k := range n {
		i := (m.next + k) % n
		select {
		case it := <-m.ring[i].slot:
			m.next = (i + 1) % n
			return m.ring[i], it, true
		default:
		}
	}
	return nil, item[T]{}, false
}

// Next returns the next value from any of the map's streams, with its key.
// It returns io.EOF while the map is empty (including when the last stream
// ends or is removed during the call), a [*KeyError] when a stream fails,
// and [ErrClosed] after Close.
//
// # Cancellation
//
// If ctx is done before a value is ready, Next returns ctx.Err() and takes
// nothing: the map keeps its streams, and a value that becomes ready
// meanwhile is returned by the next call. The streams themselves run on the
// map's goroutines and are not cancelled.
func (m *StreamMap[K, T]) Next(ctx context.Context) (Entry[K, T], error) {
	for {
		m.mu.Lock()
		if m.closed {
			m.mu.Unlock()
			return Entry[K, T]{}, ErrClosed
		}
		if len(m.ring) == 0 {
			m.mu.Unlock()
			return Entry[K, T]{}, io.EOF
		}
		mb, it, ok := m.pollLocked()
		if ok && (it.err != nil || it.panic != nil) {
			m.deleteLocked(mb) // its goroutine is exiting by itself
		}
		signal := m.signal
		m.mu.Unlock()
		if ok {
			if it.err == nil && it.panic == nil {
				return Entry[K, T]{Key: mb.key, Value: it.v}, nil
			}
			<-mb.done // only its Close is left to run
			if _, err := it.unwrap(); !isEOF(err) {
				return Entry[K, T]{}, &KeyError[K]{Key: mb.key, Err: err}
			}
			continue
		}
		select {
		case <-signal:
		case <-ctx.Done():
			return Entry[K, T]{}, ctx.Err()
		}
	}
}

// Close removes every stream, waiting for their goroutines to exit and
// closing them, and returns their Close errors joined.
func (m *StreamMap[K, T]) Close() error {
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return nil
	}
	m.closed = true
	ring := m.ring
	m.members, m.ring = nil, nil
	m.mu.Unlock()
	for _, mb := range ring {
		mb.cancel()
	}
	var errs []error
	for _, mb := range ring {
		<-mb.done
		errs = append(errs, mb.closeErr)
	}
	return errors.Join(errs...)
}
