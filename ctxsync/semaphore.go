package ctxsync

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"

	"github.com/shio-rt/shio/ctxsync/internal/waitq"
	"github.com/shio-rt/shio/internal/obs"
)

// ErrSemaphoreClosed is returned by [Semaphore.Acquire] and
// [Semaphore.TryAcquire] once the semaphore is closed.
var ErrSemaphoreClosed = errors.New("ctxsync: semaphore closed")

// ErrNoPermits is returned by [Semaphore.TryAcquire] when it would have to
// wait: too few permits are free, or earlier Acquire calls wait ahead of it.
var ErrNoPermits = errors.New("ctxsync: no permits free")

// Semaphore state layout: the available count shifted left by semShift,
// and two flags in the low bits.
const (
	semWaiting = 1 << iota // the queue is non-empty: fast paths are closed
	semClosed              // Close was called: fast paths are closed
	semShift   = iota
	semFlags   = semWaiting | semClosed
)

// A Semaphore is a weighted counting semaphore with FIFO waiters.
//
// It starts with a fixed number of permits. [Semaphore.Acquire] takes n of
// them, waiting in arrival order; [Semaphore.Release] returns them. A
// request that does not fit blocks every later request, even smaller ones
// that would fit, so a large request at the head of the queue is never
// starved by a stream of small ones.
//
// Create one with [NewSemaphore]; the zero value has no permits and is of no
// use. A Semaphore must not be copied after first use. A Release
// synchronizes before the return of any Acquire that it lets proceed.
//
// Cost: when permits are available and nobody waits, Acquire, TryAcquire
// and Release are one atomic compare-and-swap loop each and do not allocate.
// A blocked Acquire allocates a channel and parks on it.
type Semaphore struct {
	// state holds available<<semShift | semClosed | semWaiting. While a
	// flag is set only the holder of mu changes it.
	state atomic.Int64
	size  int64       // the number of permits; never changes
	mu    sync.Mutex  // guards q and the flag transitions
	q     waitq.Queue // blocked Acquire calls, oldest first; N is the weight
}

// NewSemaphore returns a semaphore with n permits. It panics if n is
// negative or too large to count (over 2⁶⁰).
func NewSemaphore(n int64) *Semaphore {
	if n < 0 || n > 1<<60 {
		panic("ctxsync: NewSemaphore with a negative or huge size")
	}
	s := &Semaphore{size: n}
	s.state.Store(n << semShift)
	return s
}

// Acquire takes n permits, waiting in FIFO order until they are available.
// It returns nil once they are held, ctx.Err() if ctx is done first, or
// [ErrSemaphoreClosed] if the semaphore is or becomes closed. If n permits are free
// and nobody waits, Acquire succeeds even when ctx is already done.
// Acquire(ctx, 0) waits for its turn but takes nothing. It panics if n is
// negative or greater than the semaphore's size, which could never succeed.
//
// # Cancellation
//
// An Acquire that returns an error holds no permits and leaves the
// semaphore as if it had never been called: it leaves the queue, which may
// let smaller requests behind it proceed, and if the permits were granted to
// it at the moment ctx was cancelled it gives them back.
func (s *Semaphore) Acquire(ctx context.Context, n int64) error {
	// A negative n fails the unsigned comparison and panics in the slow path.
	if st := s.state.Load(); st&semFlags == 0 && uint64(n) <= uint64(st>>semShift) &&
		s.state.CompareAndSwap(st, st-n<<semShift) {
		return nil
	}
	return s.acquireSlow(ctx, n)
}

func (s *Semaphore) acquireSlow(ctx context.Context, n int64) error {
	if s.TryAcquire(n) == nil {
		return nil
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	for {
		st := s.state.Load()
		if st&semClosed != 0 {
			s.mu.Unlock()
			return ErrSemaphoreClosed
		}
		if st&semWaiting != 0 {
			break
		}
		if st>>semShift >= n {
			if s.state.CompareAndSwap(st, st-n<<semShift) {
				s.mu.Unlock()
				return nil
			}
			continue
		}
		if s.state.CompareAndSwap(st, st|semWaiting) {
			break
		}
	}
	w := s.q.Push(n)
	w.Kind = obs.KindSemaphore
	s.mu.Unlock()
	return s.q.Wait(ctx, &s.mu, w, s.cancelLocked)
}

// cancelLocked settles a cancelled Acquire (see waitq.Queue.Wait). When w
// was still queued, semWaiting is set and the state is stable under s.mu.
// When w had been granted, the grant may have emptied the queue and cleared
// every flag, which reopens the lock-free paths: the permits then go back
// with a compare-and-swap, as in Release, never with a plain store that
// could overwrite a concurrent fast-path Acquire or Release.
func (s *Semaphore) cancelLocked(w *waitq.Waiter, granted bool) {
	if !granted {
		s.admitLocked(s.state.Load())
		return
	}
	for {
		st := s.state.Load()
		if st&semFlags != 0 {
			s.admitLocked(st + w.N<<semShift)
			return
		}
		if s.state.CompareAndSwap(st, st+w.N<<semShift) {
			return
		}
	}
}

// TryAcquire takes n permits if they are available and nobody waits, and
// returns nil. It never blocks: it returns [ErrNoPermits] instead of waiting,
// and [ErrSemaphoreClosed] once the semaphore is closed. It panics like
// [Semaphore.Acquire] on a bad n.
func (s *Semaphore) TryAcquire(n int64) error {
	if n < 0 || n > s.size {
		panic("ctxsync: Acquire of a negative count or more than the Semaphore's size")
	}
	for {
		st := s.state.Load()
		if st&semClosed != 0 {
			return ErrSemaphoreClosed
		}
		if st&semWaiting != 0 || st>>semShift < n {
			return ErrNoPermits
		}
		if s.state.CompareAndSwap(st, st-n<<semShift) {
			return nil
		}
	}
}

// Release returns n permits and wakes the waiters at the head of the queue
// that now fit. It panics if n is negative or if it would make more permits
// available than the semaphore's size: releasing more than was acquired.
// Release after Close is allowed.
func (s *Semaphore) Release(n int64) {
	// A negative n fails the unsigned comparison and panics in the slow path.
	if st := s.state.Load(); st&semFlags == 0 && uint64(n) <= uint64(s.size-st>>semShift) &&
		s.state.CompareAndSwap(st, st+n<<semShift) {
		return
	}
	s.releaseSlow(n)
}

func (s *Semaphore) releaseSlow(n int64) {
	if n < 0 {
		panic("ctxsync: Release of a negative count")
	}
	for {
		st := s.state.Load()
		if st&semFlags != 0 {
			break
		}
		if st>>semShift+n > s.size {
			panic("ctxsync: Release of more than was acquired")
		}
		if s.state.CompareAndSwap(st, st+n<<semShift) {
			return
		}
	}
	s.mu.Lock()
	st := s.state.Load()
	if st&semFlags == 0 {
		s.mu.Unlock()
		s.Release(n) // the queue emptied meanwhile: take the fast path
		return
	}
	if st>>semShift+n > s.size {
		s.mu.Unlock()
		panic("ctxsync: Release of more than was acquired")
	}
	s.admitLocked(st + n<<semShift)
	s.mu.Unlock()
}

// admitLocked wakes, in order, the waiters at the head of the queue that fit
// in state st, and stores the result. s.mu is held and a flag is set in st,
// so the state is stable.
func (s *Semaphore) admitLocked(st int64) {
	for w := s.q.Front(); w != nil && st&semClosed == 0; w = s.q.Front() {
		if st>>semShift < w.N {
			break
		}
		st -= w.N << semShift
		s.q.Wake(w, nil)
	}
	if s.q.Len() == 0 {
		st &^= semWaiting
	}
	s.state.Store(st)
}

// Available returns the number of permits not currently held. It is a
// snapshot, out of date as soon as it returns when others use the
// semaphore.
func (s *Semaphore) Available() int64 {
	return s.state.Load() >> semShift
}

// Close closes the semaphore: every waiting and future Acquire returns
// [ErrSemaphoreClosed] and TryAcquire fails. Permits already held stay valid and may
// still be released. Close is idempotent.
func (s *Semaphore) Close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for {
		st := s.state.Load()
		if s.state.CompareAndSwap(st, st|semClosed) {
			break
		}
	}
	for w := s.q.Front(); w != nil; w = s.q.Front() {
		s.q.Wake(w, ErrSemaphoreClosed)
	}
	s.state.Store(s.state.Load() &^ semWaiting)
}
