package ctxsync

import (
	"context"
	"sync"

	"github.com/shio-rt/shio/internal/obs"
)

// A Barrier lets a fixed number of goroutines wait for each other. Each call
// to [Barrier.Wait] blocks until n calls are waiting; then all of them
// return together, exactly one of them reports that it is the leader, and
// the barrier resets for the next round (a generation).
//
// Create one with [NewBarrier]; Wait on a zero Barrier panics. A Barrier is
// safe for concurrent use and must not be copied after first use. Every
// Wait of a generation synchronizes before the return of every Wait of that
// generation.
//
// Cost: each Wait takes a short internal lock; the last arrival of a
// generation allocates the next generation's channel.
type Barrier struct {
	n     int
	mu    sync.Mutex    // guards the fields below
	count int           // goroutines waiting in the current generation
	gen   chan struct{} // closed when the current generation trips
}

// NewBarrier returns a barrier for n goroutines. It panics if n < 1.
func NewBarrier(n int) *Barrier {
	if n < 1 {
		panic("ctxsync: NewBarrier of fewer than one goroutine")
	}
	return &Barrier{n: n, gen: make(chan struct{})}
}

// Wait blocks until n goroutines, counting the caller, are waiting on b,
// and returns leader == true in exactly one of them: the one whose arrival
// completed the generation. It returns ctx.Err() if ctx is done first.
//
// # Cancellation
//
// A Wait that returns an error withdraws from its generation, which then
// needs one more arrival to trip: the other waiters keep waiting and are not
// released early. If the generation tripped at the moment ctx was
// cancelled, Wait reports the trip (nil error, not the leader) instead,
// because the others were released counting on it.
func (b *Barrier) Wait(ctx context.Context) (leader bool, err error) {
	b.mu.Lock()
	if b.gen == nil {
		b.mu.Unlock()
		panic("ctxsync: Wait on a Barrier not made by NewBarrier")
	}
	b.count++
	if b.count == b.n {
		close(b.gen)
		b.gen = make(chan struct{})
		b.count = 0
		b.mu.Unlock()
		return true, nil
	}
	gen := b.gen
	b.mu.Unlock()
	rec := obs.Park(ctx, obs.KindBarrier, b)
	select {
	case <-gen:
		if rec != nil {
			rec.Resume(0)
		}
		return false, nil
	case <-ctx.Done():
	}
	if rec != nil {
		rec.Resume(0)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.gen != gen {
		return false, nil // tripped concurrently
	}
	b.count--
	return false, ctx.Err()
}
