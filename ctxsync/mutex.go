package ctxsync

import (
	"context"
	"sync"
	"sync/atomic"

	"github.com/shio-rt/shio/ctxsync/internal/waitq"
	"github.com/shio-rt/shio/internal/obs"
)

// Mutex state bits.
const (
	mutexLocked  = 1 << iota // held by someone
	mutexWaiting             // the queue is non-empty: fast paths are closed
)

// A Mutex is a mutual exclusion lock whose Lock takes a context and whose
// waiters are served strictly in arrival order (FIFO).
//
// The zero value is an unlocked mutex. A Mutex must not be copied after
// first use. Like sync.Mutex, a Mutex is not tied to a goroutine: one
// goroutine may lock it and another unlock it. The n'th call to Unlock
// synchronizes before the return of the m'th successful Lock for any n < m.
//
// Cost: when uncontended, Lock and Unlock are each one atomic
// compare-and-swap and do not allocate. A contended Lock first spins
// briefly while nobody is queued, then allocates a channel (about 100 bytes)
// and parks on it; Unlock then hands the lock directly to the oldest waiter,
// so a newcomer never overtakes a waiter. This makes Mutex fair but much
// slower than sync.Mutex under heavy contention (each hand-off costs a
// goroutine wake-up, several hundred nanoseconds), where sync.Mutex lets
// running goroutines barge; prefer sync.Mutex for short critical sections
// that never need cancellation or fairness.
type Mutex struct {
	// state holds mutexLocked|mutexWaiting. While mutexWaiting is set only
	// the holder of mu changes it, so slow paths may Store to it.
	state atomic.Int32
	mu    sync.Mutex  // guards q and the mutexWaiting transitions
	q     waitq.Queue // blocked Lock calls, oldest first
	ob    obs.LockRef // the collector's record (holder, since), at the Full level
}

// Lock locks m, waiting in FIFO order if it is held. It returns nil once
// the lock is held, or ctx.Err() if ctx is done first. If the mutex is free
// and nobody is waiting, Lock succeeds even when ctx is already done.
//
// # Cancellation
//
// A Lock that returns an error does not hold the mutex and leaves no waiter
// behind. If the lock was handed to it at the moment ctx was cancelled, it
// passes the lock on to the next waiter (or releases it), as if it had
// locked and unlocked.
func (m *Mutex) Lock(ctx context.Context) error {
	if m.state.CompareAndSwap(0, mutexLocked) {
		m.ob.Acquired(ctx, obs.KindMutex, &m.q)
		return nil
	}
	if err := m.lockSlow(ctx); err != nil {
		return err
	}
	m.ob.Acquired(ctx, obs.KindMutex, &m.q)
	return nil
}

// spins is how many times a contended Lock re-reads a held lock that has
// no waiters before it queues. A short critical section is often over by
// then, which saves a park and a hand-off; spinning never overtakes a
// queued waiter, because a queue closes the fast path.
const spins = 64

func (m *Mutex) lockSlow(ctx context.Context) error {
	for range spins {
		s := m.state.Load()
		if s&mutexWaiting != 0 {
			break
		}
		if s == 0 && m.state.CompareAndSwap(0, mutexLocked) {
			return nil
		}
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	m.mu.Lock()
	for {
		s := m.state.Load()
		if s == 0 {
			if m.state.CompareAndSwap(0, mutexLocked) {
				m.mu.Unlock()
				return nil
			}
			continue
		}
		if s&mutexWaiting != 0 || m.state.CompareAndSwap(s, s|mutexWaiting) {
			break
		}
	}
	w := m.q.Push(0)
	w.Kind = obs.KindMutex
	m.mu.Unlock()
	return m.q.Wait(ctx, &m.mu, w, m.cancelLocked)
}

// cancelLocked settles a cancelled Lock; see waitq.Queue.Wait.
func (m *Mutex) cancelLocked(_ *waitq.Waiter, granted bool) {
	if granted {
		m.unlockLocked()
		return
	}
	if m.q.Len() == 0 {
		m.state.Store(m.state.Load() &^ mutexWaiting)
	}
}

// TryLock locks m if it is free and nobody is waiting for it, and reports
// whether it did. It never blocks.
func (m *Mutex) TryLock() bool {
	if m.state.CompareAndSwap(0, mutexLocked) {
		m.ob.Acquired(nil, obs.KindMutex, &m.q)
		return true
	}
	return false
}

// Unlock unlocks m, handing it to the oldest waiter if there is one. It
// panics if m is not locked.
func (m *Mutex) Unlock() {
	m.ob.Released()
	if m.state.CompareAndSwap(mutexLocked, 0) {
		return
	}
	m.unlockSlow()
}

func (m *Mutex) unlockSlow() {
	m.mu.Lock()
	m.unlockLocked()
	m.mu.Unlock()
}

// unlockLocked releases the lock or hands it to the oldest waiter. m.mu is
// held, and the state is stable: it is locked, so no fast path can change it.
func (m *Mutex) unlockLocked() {
	s := m.state.Load()
	if s&mutexLocked == 0 {
		m.mu.Unlock()
		panic("ctxsync: Unlock of unlocked Mutex")
	}
	w := m.q.Front()
	if w == nil {
		m.state.Store(0)
		return
	}
	m.q.Wake(w, nil) // direct hand-off: the lock stays set
	if m.q.Len() == 0 {
		m.state.Store(mutexLocked)
	}
}
