package ctxsync

import (
	"context"
	"sync"
	"sync/atomic"

	"github.com/shio-rt/shio/ctxsync/internal/waitq"
	"github.com/shio-rt/shio/internal/obs"
)

// RWMutex state layout: the reader count in the low bits, then two flags.
const (
	rwWriter  = 1 << 62 // a writer holds the lock
	rwWaiting = 1 << 61 // the queue is non-empty: fast paths are closed
	rwReaders = rwWaiting - 1
)

// Kinds of RWMutex waiter, stored in waitq.Waiter.N.
const (
	readWaiter  = 0
	writeWaiter = 1
)

// An RWMutex is a reader/writer mutual exclusion lock whose lock calls take
// a context. The lock can be held by any number of readers or by one writer.
//
// Waiters are served in arrival order. The lock is write-preferring: once a
// writer waits, later readers queue behind it instead of joining the readers
// that hold the lock, so a stream of readers cannot starve a writer. When a
// writer unlocks, all readers at the head of the queue (up to the next
// waiting writer) are admitted together.
//
// The zero value is an unlocked mutex. An RWMutex must not be copied after
// first use. As with sync.RWMutex, the n'th Unlock synchronizes before the
// return of any later RLock or Lock, and an RUnlock synchronizes before the
// return of a later Lock.
//
// Cost: uncontended RLock, RUnlock, Lock and Unlock are each one atomic
// compare-and-swap loop and do not allocate. A blocked call allocates a
// channel and parks on it; each hand-off then costs a goroutine wake-up.
type RWMutex struct {
	// state holds rwWriter|rwWaiting|readers. While rwWaiting is set only
	// the holder of mu changes it.
	state atomic.Int64
	mu    sync.Mutex  // guards q and the rwWaiting transitions
	q     waitq.Queue // blocked RLock and Lock calls, oldest first
	ob    obs.LockRef // the collector's record (holder, readers), at the Full level
}

// RLock locks rw for reading. It returns nil once a read lock is held, or
// ctx.Err() if ctx is done first. If a read lock is available without
// waiting, RLock succeeds even when ctx is already done.
//
// # Cancellation
//
// An RLock that returns an error holds no read lock and leaves no waiter
// behind. If it was admitted at the moment ctx was cancelled, it releases
// its read lock, admitting a waiting writer if it was the last reader.
func (rw *RWMutex) RLock(ctx context.Context) error {
	if s := rw.state.Load(); s&(rwWriter|rwWaiting) == 0 && rw.state.CompareAndSwap(s, s+1) {
		rw.ob.RAcquired(obs.KindRWMutex, &rw.q)
		return nil
	}
	if err := rw.rlockSlow(ctx); err != nil {
		return err
	}
	rw.ob.RAcquired(obs.KindRWMutex, &rw.q)
	return nil
}

func (rw *RWMutex) rlockSlow(ctx context.Context) error {
	if rw.tryRLock() {
		return nil
	}
	return rw.lockSlow(ctx, readWaiter)
}

// TryRLock locks rw for reading if that is possible without waiting, and
// reports whether it did. It fails if a writer holds or waits for the lock.
func (rw *RWMutex) TryRLock() bool {
	if rw.tryRLock() {
		rw.ob.RAcquired(obs.KindRWMutex, &rw.q)
		return true
	}
	return false
}

func (rw *RWMutex) tryRLock() bool {
	for {
		s := rw.state.Load()
		if s&(rwWriter|rwWaiting) != 0 {
			return false
		}
		if rw.state.CompareAndSwap(s, s+1) {
			return true
		}
	}
}

// RUnlock undoes one RLock. It panics if rw is not locked for reading.
func (rw *RWMutex) RUnlock() {
	rw.ob.RReleased()
	if s := rw.state.Load(); s&rwWaiting == 0 && s&rwReaders != 0 && rw.state.CompareAndSwap(s, s-1) {
		return
	}
	rw.runlockSlow()
}

func (rw *RWMutex) runlockSlow() {
	for {
		s := rw.state.Load()
		if s&rwWaiting != 0 {
			break
		}
		if s&rwReaders == 0 {
			panic("ctxsync: RUnlock of unlocked RWMutex")
		}
		if rw.state.CompareAndSwap(s, s-1) {
			return
		}
	}
	rw.mu.Lock()
	rw.runlockLocked()
	rw.mu.Unlock()
}

// Lock locks rw for writing. It returns nil once the write lock is held, or
// ctx.Err() if ctx is done first. If the lock is free and nobody waits, Lock
// succeeds even when ctx is already done.
//
// # Cancellation
//
// A Lock that returns an error holds no lock and leaves no waiter behind;
// readers that were queued only behind it are admitted. If the lock was
// handed to it at the moment ctx was cancelled, it passes it on as Unlock
// would.
func (rw *RWMutex) Lock(ctx context.Context) error {
	if rw.state.CompareAndSwap(0, rwWriter) {
		rw.ob.Acquired(ctx, obs.KindRWMutex, &rw.q)
		return nil
	}
	if err := rw.lockSlow(ctx, writeWaiter); err != nil {
		return err
	}
	rw.ob.Acquired(ctx, obs.KindRWMutex, &rw.q)
	return nil
}

// TryLock locks rw for writing if it is free and nobody waits, and reports
// whether it did.
func (rw *RWMutex) TryLock() bool {
	if rw.state.CompareAndSwap(0, rwWriter) {
		rw.ob.Acquired(nil, obs.KindRWMutex, &rw.q)
		return true
	}
	return false
}

// Unlock unlocks rw for writing and admits the next waiters. It panics if rw
// is not locked for writing.
func (rw *RWMutex) Unlock() {
	rw.ob.Released()
	if rw.state.CompareAndSwap(rwWriter, 0) {
		return
	}
	rw.unlockSlow()
}

func (rw *RWMutex) unlockSlow() {
	rw.mu.Lock()
	rw.unlockLocked()
	rw.mu.Unlock()
}

func (rw *RWMutex) lockSlow(ctx context.Context, kind int64) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	rw.mu.Lock()
	for {
		s := rw.state.Load()
		if s&rwWaiting != 0 {
			break // others are queued: take our turn
		}
		if kind == readWaiter && s&rwWriter == 0 {
			if rw.state.CompareAndSwap(s, s+1) {
				rw.mu.Unlock()
				return nil
			}
			continue
		}
		if kind == writeWaiter && s == 0 {
			if rw.state.CompareAndSwap(0, rwWriter) {
				rw.mu.Unlock()
				return nil
			}
			continue
		}
		if rw.state.CompareAndSwap(s, s|rwWaiting) {
			break
		}
	}
	w := rw.q.Push(kind)
	w.Kind = obs.KindRWMutex
	rw.mu.Unlock()
	return rw.q.Wait(ctx, &rw.mu, w, rw.cancelLocked)
}

func (rw *RWMutex) cancelLocked(w *waitq.Waiter, granted bool) {
	switch {
	case granted && w.N == readWaiter:
		rw.runlockLocked()
	case granted:
		rw.unlockLocked()
	default:
		rw.admitLocked(rw.state.Load())
	}
}

// runlockLocked drops one reader. rw.mu is held.
func (rw *RWMutex) runlockLocked() {
	s := rw.state.Load()
	if s&rwReaders == 0 {
		rw.mu.Unlock()
		panic("ctxsync: RUnlock of unlocked RWMutex")
	}
	if s&rwWaiting == 0 {
		// The queue emptied since our fast path looked; the state is
		// not stable, so decrement atomically.
		rw.state.Add(-1)
		return
	}
	rw.admitLocked(s - 1)
}

// unlockLocked drops the writer. rw.mu is held.
func (rw *RWMutex) unlockLocked() {
	s := rw.state.Load()
	if s&rwWriter == 0 {
		rw.mu.Unlock()
		panic("ctxsync: Unlock of unlocked RWMutex")
	}
	s &^= rwWriter
	if s&rwWaiting == 0 {
		rw.state.Store(s) // no waiters, no readers: the state was stable
		return
	}
	rw.admitLocked(s)
}

// admitLocked wakes the waiters at the head of the queue that state s
// allows, in order, and stores the resulting state. rw.mu is held and, if
// rwWaiting is set in s, the state is stable.
func (rw *RWMutex) admitLocked(s int64) {
	if s&rwWaiting == 0 {
		return
	}
	for w := rw.q.Front(); w != nil; w = rw.q.Front() {
		if w.N == writeWaiter {
			if s&(rwWriter|rwReaders) != 0 {
				break
			}
			s |= rwWriter
		} else {
			if s&rwWriter != 0 {
				break
			}
			s++
		}
		rw.q.Wake(w, nil)
	}
	if rw.q.Len() == 0 {
		s &^= rwWaiting
	}
	rw.state.Store(s)
}
