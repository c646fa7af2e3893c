package task

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
)

// ErrEmpty is returned by [Set.Next] and [Set.TryNext] when the set holds no
// task at all.
var ErrEmpty = errors.New("task: set is empty")

// A Result is what a task in a [Set] produced: the task's Info, the value and
// error its function returned, a [*PanicError] in Err if it panicked, or
// [ErrAborted] if it was aborted before it finished.
type Result[T any] struct {
	Info  Info
	Value T
	Err   error
}

// A Set is a collection of tasks of one result type whose results come out of
// [Set.Next] in the order the tasks finish. Tasks can be spawned into the set
// while it is being drained. The zero value is an empty set ready to use; a
// Set must not be copied after first use.
//
// A Set's methods are safe for concurrent use. A task finishing synchronizes
// before the Next that returns its result.
type Set[T any] struct {
	// A finishing task takes no lock: it pushes itself onto a lock-free
	// stack (finq), and the Next that finds done empty takes the whole
	// stack, oldest first, under mu, which only Spawn and Next take per
	// task.
	mu      sync.Mutex // guards the fields below
	running *member[T] // head of the intrusive list of tasks Next has not returned
	n       int        // number of tasks in running
	done    *member[T] // finished tasks taken from finq, oldest first, through dnext

	finq atomic.Pointer[member[T]] // finished tasks, newest first, through dnext
	// wake is set (under mu) while a Next waits; the task that finishes
	// next clears it and closes its channel.
	wake atomic.Pointer[setWaker]
}

// setWaker is the wake-up of the Nexts waiting on a Set.
type setWaker struct{ c chan struct{} }

// member is one task of a Set: a node of the set's list of tasks from Spawn
// until Next returns it, and, once finished, of finq and then done (linked
// through dnext) with its result.
type member[T any] struct {
	core
	set        *Set[T]
	prev, next *member[T]
	dnext      *member[T]
	val        T     // the result, written before the task joins finq
	err        error // likewise
}

// Spawn starts f as a task of the set, as [Spawn] would, and returns its ID.
// Its result will be returned by Next.
func (s *Set[T]) Spawn(ctx context.Context, f func(ctx context.Context) (T, error)) ID {
	return s.spawn(ctx, "", f)
}

// SpawnNamed is [Set.Spawn] with a name for the task.
func (s *Set[T]) SpawnNamed(ctx context.Context, name string, f func(ctx context.Context) (T, error)) ID {
	return s.spawn(ctx, name, f)
}

// spawn is Spawn and SpawnNamed: one frame below the spawn site.
func (s *Set[T]) spawn(ctx context.Context, name string, f func(ctx context.Context) (T, error)) ID {
	m := &member[T]{set: s}
	m.init(ctx, name, 2)
	s.mu.Lock()
	m.next = s.running
	if s.running != nil {
		s.running.prev = m
	}
	s.running = m
	s.n++
	s.mu.Unlock()
	go m.run(f)
	return m.info.ID
}

func (m *member[T]) run(f func(context.Context) (T, error)) {
	normal := false
	rec := m.rec.Recorded()
	if rec != nil {
		rec.Start()
	}
	defer func() {
		if !normal {
			var p *PanicError
			p, m.err = recovered(&m.info, recover())
			if p != nil {
				m.err = p
			}
		}
		if rec != nil {
			_, panicked := m.err.(*PanicError)
			rec.Finish(panicked)
		}
		m.set.finished(m)
	}()
	m.val, m.err = f(m.context())
	normal = true
}

// finished pushes m, whose result is set, onto finq and wakes the waiting
// Nexts, without the lock. No wake-up is lost: a Next sets wake and then
// looks at finq, a task pushes onto finq and then looks at wake.
func (s *Set[T]) finished(m *member[T]) {
	old := m.finish()
	if _, panicked := m.err.(*PanicError); old&stAborted != 0 && !panicked {
		var zero T
		m.val, m.err = zero, abortedErr(m.err)
	}
	for {
		h := s.finq.Load()
		m.dnext = h
		if s.finq.CompareAndSwap(h, m) {
			break
		}
	}
	if w := s.wake.Load(); w != nil && s.wake.CompareAndSwap(w, nil) {
		close(w.c)
	}
}

// Next waits for a task of the set to finish and returns its result; results
// come out in the order the tasks finished. It returns [ErrEmpty] at once if
// the set holds no task, running or finished.
//
// # Cancellation
//
// If ctx ends first, Next returns ctx.Err() and the set is unchanged: no
// result is consumed, and the next call to Next returns it.
func (s *Set[T]) Next(ctx context.Context) (Result[T], error) {
	for {
		s.mu.Lock()
		r, err := s.takeLocked()
		if err != ErrNotFinished {
			s.mu.Unlock()
			return r, err
		}
		w := s.wake.Load()
		if w == nil {
			w = &setWaker{c: make(chan struct{})}
			s.wake.Store(w)
		}
		if s.finq.Load() != nil { // finished meanwhile
			s.mu.Unlock()
			continue
		}
		s.mu.Unlock()
		select {
		case <-w.c:
		case <-ctx.Done():
			return Result[T]{}, ctx.Err()
		}
	}
}

// TryNext returns the oldest finished task's result as [Set.Next] does,
// without waiting: it returns [ErrNotFinished] if tasks are running but none
// has finished, and [ErrEmpty] if the set holds no task.
func (s *Set[T]) TryNext() (Result[T], error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.takeLocked()
}

// takeLocked removes and returns the oldest finished result, or reports why
// there is none: ErrEmpty or ErrNotFinished.
func (s *Set[T]) takeLocked() (Result[T], error) {
	if s.done == nil && s.finq.Load() != nil {
		// Take every task finished so far, reversing the stack into
		// finishing order.
		var done *member[T]
		for m := s.finq.Swap(nil); m != nil; {
			next := m.dnext
			m.dnext = done
			done, m = m, next
		}
		s.done = done
	}
	if m := s.done; m != nil {
		s.done = m.dnext
		m.dnext = nil
		if m.prev != nil {
			m.prev.next = m.next
		} else {
			s.running = m.next
		}
		if m.next != nil {
			m.next.prev = m.prev
		}
		m.prev, m.next = nil, nil
		s.n--
		return Result[T]{Info: m.info, Value: m.val, Err: m.err}, nil
	}
	if s.n == 0 {
		return Result[T]{}, ErrEmpty
	}
	return Result[T]{}, ErrNotFinished
}

// Len reports the number of tasks in the set: those running plus those
// finished whose results Next has not yet returned.
func (s *Set[T]) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.n
}

// AbortAll aborts every running task of the set (see [Handle.Abort]). Their
// results, mostly [ErrAborted], still come out of Next.
func (s *Set[T]) AbortAll() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for m := s.running; m != nil; m = m.next {
		m.abort() // does nothing to a task already finished
	}
}

// Shutdown aborts every running task, then waits for all of them to finish,
// discarding every result, finished before or not. It returns nil once the
// set is empty.
//
// # Cancellation
//
// If ctx ends first, Shutdown returns ctx.Err(); the tasks stay aborted and
// the set keeps the results not yet discarded, so a later Shutdown or Next
// carries on.
func (s *Set[T]) Shutdown(ctx context.Context) error {
	s.AbortAll()
	for {
		if _, err := s.Next(ctx); err != nil {
			if errors.Is(err, ErrEmpty) {
				return nil
			}
			return err
		}
	}
}
