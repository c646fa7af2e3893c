package timer

import (
	"context"
	"sync"
	"time"
)

// DelayQueue holds keys, each with a deadline, and hands out each key once
// its deadline has passed, earliest deadline first: the keyed timer behind
// session timeouts, retransmissions and leases. Keys are unique; inserting
// a key again moves its deadline.
//
// All keys share one runtime timer. A key costs a 16-byte heap entry, a
// slot holding the key, and one map entry: about 61 bytes for an int key
// at 100k keys, slice growth included, against 136 for a bare
// time.AfterFunc per key and 160 with the map needed to reset or remove
// keys (bench/stream). Insert, Reset, Remove and Next cost O(log n) and
// touch the map only to add or delete the key.
//
// The zero value is an empty queue ready to use. A DelayQueue is safe for
// concurrent use; it must not be copied after first use. Keys with equal
// deadlines come out in no particular order.
type DelayQueue[K comparable] struct {
	mu    sync.Mutex     // guards every field below
	base  time.Time      // deadlines are stored as offsets from base
	heap  []delayItem    // min-heap on when
	slots []delaySlot[K] // per-key storage, addressed by id; stable while queued
	free  int32          // head of the free-slot list through delaySlot.pos, or -1
	index map[K]int32    // key -> slot id; touched only by insertions and removals
	wake  chan struct{}  // closed when the head moves earlier; nil if nobody waits
	turn  chan struct{}  // holds one token: the goroutine that waits on timer
	timer *time.Timer    // the single runtime timer, owned by turn's holder
}

// delayItem is a heap entry: small, so that sifting moves little memory
// and never touches the map.
type delayItem struct {
	when time.Duration // offset from base
	id   int32         // slot
}

type delaySlot[K comparable] struct {
	key K
	pos int32 // position in heap; next free slot while free
}

func (q *DelayQueue[K]) initLocked() {
	if q.index == nil {
		q.base = time.Now()
		q.index = make(map[K]int32)
		q.turn = make(chan struct{}, 1)
		q.free = -1
	}
}

// Insert adds key with the given deadline, or moves key's deadline if it is
// already queued. It reports whether key was new.
func (q *DelayQueue[K]) Insert(key K, deadline time.Time) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.initLocked()
	when := deadline.Sub(q.base)
	if id, ok := q.index[key]; ok {
		q.moveLocked(int(q.slots[id].pos), when)
		return false
	}
	var id int32
	if q.free >= 0 {
		id = q.free
		q.free = q.slots[id].pos
		q.slots[id] = delaySlot[K]{key: key}
	} else {
		id = int32(len(q.slots))
		q.slots = append(q.slots, delaySlot[K]{key: key})
	}
	q.index[key] = id
	q.heap = append(q.heap, delayItem{when: when, id: id})
	if q.up(len(q.heap)-1) == 0 {
		q.wakeLocked()
	}
	return true
}

// InsertAfter is [DelayQueue.Insert] with the deadline d from now.
func (q *DelayQueue[K]) InsertAfter(key K, d time.Duration) bool {
	return q.Insert(key, time.Now().Add(d))
}

// Reset moves key's deadline and reports whether key was queued; an absent
// key is not inserted.
func (q *DelayQueue[K]) Reset(key K, deadline time.Time) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	id, ok := q.index[key]
	if ok {
		q.moveLocked(int(q.slots[id].pos), deadline.Sub(q.base))
	}
	return ok
}

// Remove takes key out of the queue and reports whether it was queued.
func (q *DelayQueue[K]) Remove(key K) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	id, ok := q.index[key]
	if !ok {
		return false
	}
	q.removeLocked(int(q.slots[id].pos))
	return true
}

// Deadline returns key's deadline and whether key is queued.
func (q *DelayQueue[K]) Deadline(key K) (time.Time, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	id, ok := q.index[key]
	if !ok {
		return time.Time{}, false
	}
	return q.base.Add(q.heap[q.slots[id].pos].when), true
}

// Len returns the number of queued keys, expired or not.
func (q *DelayQueue[K]) Len() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.heap)
}

// TryNext removes and returns the key with the earliest deadline if that
// deadline has passed. It never blocks.
func (q *DelayQueue[K]) TryNext() (K, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	k, ok, _ := q.popDueLocked()
	return k, ok
}

// Next waits until the earliest deadline has passed, then removes and
// returns its key. Keys come out in deadline order. Waiters are served one
// at a time, first come first served; while the queue is empty Next waits
// for an insertion.
//
// # Cancellation
//
// If ctx is done first, Next returns ctx.Err() and removes nothing: a key
// that expired meanwhile stays queued for the next call.
func (q *DelayQueue[K]) Next(ctx context.Context) (K, error) {
	var zero K
	q.mu.Lock()
	q.initLocked()
	turn := q.turn
	q.mu.Unlock()
	select {
	case turn <- struct{}{}:
	case <-ctx.Done():
		return zero, ctx.Err()
	}
	defer func() { <-turn }()
	for {
		if err := ctx.Err(); err != nil {
			return zero, err
		}
		q.mu.Lock()
		k, ok, wait := q.popDueLocked()
		if ok {
			q.mu.Unlock()
			return k, nil
		}
		if q.wake == nil {
			q.wake = make(chan struct{})
		}
		wake := q.wake
		var fire <-chan time.Time
		if wait >= 0 {
			if q.timer == nil {
				q.timer = time.NewTimer(wait)
			} else {
				q.timer.Reset(wait)
			}
			fire = q.timer.C
		}
		q.mu.Unlock()
		select {
		case <-fire:
		case <-wake:
		case <-ctx.Done():
			if fire != nil {
				q.timer.Stop()
			}
			return zero, ctx.Err()
		}
	}
}

// popDueLocked pops the head if it is due. Otherwise it returns how long
// until the head is due, or -1 if the queue is empty.
func (q *DelayQueue[K]) popDueLocked() (K, bool, time.Duration) {
	var zero K
	if len(q.heap) == 0 {
		return zero, false, -1
	}
	now := time.Since(q.base)
	head := q.heap[0]
	if head.when > now {
		return zero, false, head.when - now
	}
	key := q.slots[head.id].key
	q.removeLocked(0)
	return key, true, 0
}

// wakeLocked tells the waiter, if any, that the head moved earlier.
func (q *DelayQueue[K]) wakeLocked() {
	if q.wake != nil {
		close(q.wake)
		q.wake = nil
	}
}

func (q *DelayQueue[K]) moveLocked(i int, when time.Duration) {
	old := q.heap[i].when
	q.heap[i].when = when
	if when < old {
		if q.up(i) == 0 {
			q.wakeLocked()
		}
	} else {
		q.down(i)
	}
}

// removeLocked removes heap entry i, its slot and its key.
func (q *DelayQueue[K]) removeLocked(i int) {
	id := q.heap[i].id
	delete(q.index, q.slots[id].key)
	q.slots[id] = delaySlot[K]{pos: q.free} // drop references held by the key
	q.free = id
	last := len(q.heap) - 1
	if i != last {
		q.heap[i] = q.heap[last]
		q.slots[q.heap[i].id].pos = int32(i)
	}
	q.heap = q.heap[:last]
	if i != last {
		if q.up(i) == i {
			q.down(i)
		}
	}
	if len(q.heap) == 0 && cap(q.heap) > 64 {
		// Let a drained queue give its memory back.
		q.heap, q.slots, q.free = nil, nil, -1
	}
}

// up restores the heap above i and returns the item's final position.
func (q *DelayQueue[K]) up(i int) int {
	it := q.heap[i]
	for i > 0 {
		p := (i - 1) / 2
		if q.heap[p].when <= it.when {
			break
		}
		q.heap[i] = q.heap[p]
		q.slots[q.heap[i].id].pos = int32(i)
		i = p
	}
	q.heap[i] = it
	q.slots[it.id].pos = int32(i)
	return i
}

// down restores the heap below i.
func (q *DelayQueue[K]) down(i int) {
	n := len(q.heap)
	it := q.heap[i]
	for {
		c := 2*i + 1
		if c >= n {
			break
		}
		if r := c + 1; r < n && q.heap[r].when < q.heap[c].when {
			c = r
		}
		if q.heap[c].when >= it.when {
			break
		}
		q.heap[i] = q.heap[c]
		q.slots[q.heap[i].id].pos = int32(i)
		i = c
	}
	q.heap[i] = it
	q.slots[it.id].pos = int32(i)
}
