package task

import (
	"context"
	"errors"
	"sync"
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
	mu      sync.Mutex    // guards the fields below
	running *member[T]    // head of the intrusive list of running tasks
	n       int           // number of running tasks
	done    *member[T]    // finished tasks not yet returned by Next, oldest first
	last    *member[T]    // the newest finished task in done
	ndone   int           // number of tasks in done
	wake    chan struct{} // non-nil while a Next waits; closed when a task finishes
}

// member is one task of a Set: a node of the set's running list while it
// runs, then of its done queue (linked through next) with its result.
type member[T any] struct {
	core
	set        *Set[T]
	prev, next *member[T]
	val        T     // the result, written before the task joins done
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

// finished moves m, whose result is set, from the running list to the done
// queue.
func (s *Set[T]) finished(m *member[T]) {
	old := m.finish()
	if _, panicked := m.err.(*PanicError); old&stAborted != 0 && !panicked {
		var zero T
		m.val, m.err = zero, abortedErr(m.err)
	}
	s.mu.Lock()
	if m.prev != nil {
		m.prev.next = m.next
	} else {
		s.running = m.next
	}
	if m.next != nil {
		m.next.prev = m.prev
	}
	s.n--
	m.prev, m.next = nil, nil
	if s.last != nil {
		s.last.next = m
	} else {
		s.done = m
	}
	s.last = m
	s.ndone++
	if s.wake != nil {
		close(s.wake)
		s.wake = nil
	}
	s.mu.Unlock()
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
		if s.wake == nil {
			s.wake = make(chan struct{})
		}
		wake := s.wake
		s.mu.Unlock()
		select {
		case <-wake:
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
	if m := s.done; m != nil {
		s.done = m.next
		if s.done == nil {
			s.last = nil
		}
		s.ndone--
		m.next = nil
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
	return s.n + s.ndone
}

// AbortAll aborts every running task of the set (see [Handle.Abort]). Their
// results, mostly [ErrAborted], still come out of Next.
func (s *Set[T]) AbortAll() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for m := s.running; m != nil; m = m.next {
		m.abort()
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
