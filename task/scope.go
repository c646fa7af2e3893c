package task

import (
	"context"
	"sync"
	"sync/atomic"

	"github.com/shio-rt/shio/internal/obs"
)

// A Scope runs child tasks that never outlive it. The first child to fail
// (return an error or panic) cancels the scope's context, which every child
// receives; [Scope.Wait] waits for all children, then returns the first error
// or re-panics the first panic in the waiting goroutine, with the child's
// stack in the [*PanicError].
//
// [Scoped] is the structured form and the one to prefer: it cannot return
// before its children have. [NewScope] and Wait are for code shaped like
// errgroup.
//
// A Scope's methods are safe for concurrent use; children may start
// siblings with [Scope.Go]. The return of every child synchronizes before
// Wait returns.
type Scope struct {
	ctx    context.Context // the scope's own context, handed to each child
	cancel context.CancelCauseFunc
	parent ID
	wg     sync.WaitGroup
	err    atomic.Pointer[error]      // the first error
	panic  atomic.Pointer[PanicError] // the first panic
	waited atomic.Bool                // Wait has returned: Go now panics

	mu     sync.Mutex // guards the fields below, used only when limit >= 0
	limit  int        // most children running at once; negative means no limit
	active int        // children running
	queue  []func(context.Context) error
	qhead  int
}

// child is one child of a Scope and its task context.
type child struct {
	info Info
	ctx  taskCtx
}

// NewScope returns a scope whose context is derived from ctx, and that
// context. Call [Scope.Wait] before the scope goes out of use, or children may
// outlive it; [Scoped] does that for you.
func NewScope(ctx context.Context) (*Scope, context.Context) {
	if ctx == nil {
		panic("task: nil Context")
	}
	inner, cancel := context.WithCancelCause(ctx)
	s := &Scope{ctx: inner, cancel: cancel, parent: parentOf(ctx), limit: -1}
	return s, inner
}

// Scoped runs body with a new scope and the scope's context, then waits for
// every child. It returns body's error or the first child's error, whichever
// came first; a child's panic is re-raised here. If body panics, the scope is
// cancelled and its children waited for before the panic goes on.
func Scoped(ctx context.Context, body func(ctx context.Context, s *Scope) error) error {
	s, sctx := NewScope(ctx)
	normal := false
	defer func() {
		if !normal {
			s.cancel(context.Canceled)
			s.wg.Wait()
			s.waited.Store(true)
		}
	}()
	if err := body(sctx, s); err != nil {
		s.fail(err)
	}
	normal = true
	return s.Wait()
}

// SetLimit limits the number of children running at once to n; a negative n
// means no limit, the default. As with errgroup.Group.SetLimit, zero admits
// no child at all: [Scope.Go] queues every child (and Wait then waits
// forever for them) and [Scope.TryGo] reports false. Children started past
// the limit wait in a FIFO queue and start
// as running ones return, so [Scope.Go] never blocks, and a child that starts
// children of its own cannot deadlock the scope by holding a slot while it
// waits for one. The queue costs one closure per waiting child. A child that
// waits for the result of a child it queued can still deadlock if every slot
// is held by such a waiter; use [Scope.TryGo] or no limit there.
//
// SetLimit must be called before the first Go.
func (s *Scope) SetLimit(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.active != 0 || len(s.queue) != 0 {
		panic("task: Scope.SetLimit called while children are running")
	}
	s.limit = max(n, -1)
}

// Go starts f as a child of the scope, with the scope's context. It never
// blocks; see [Scope.SetLimit]. Go panics if called after Wait has returned.
func (s *Scope) Go(f func(ctx context.Context) error) {
	if s.waited.Load() {
		panic("task: Scope.Go after Wait")
	}
	s.wg.Add(1)
	if s.limit < 0 {
		if c := s.record(); c != nil {
			go s.runChild(f, c)
		} else {
			go s.run(f)
		}
		return
	}
	s.mu.Lock()
	if s.active < s.limit {
		s.active++
		s.mu.Unlock()
		go s.work(f, s.record())
		return
	}
	s.queue = append(s.queue, f)
	s.mu.Unlock()
}

// TryGo starts f as [Scope.Go] does if a slot is free under the limit, and
// reports whether it did; it never queues.
func (s *Scope) TryGo(f func(ctx context.Context) error) bool {
	if s.waited.Load() {
		panic("task: Scope.Go after Wait")
	}
	if s.limit < 0 {
		s.wg.Add(1)
		if c := s.record(); c != nil {
			go s.runChild(f, c)
		} else {
			go s.run(f)
		}
		return true
	}
	s.mu.Lock()
	if s.active >= s.limit {
		s.mu.Unlock()
		return false
	}
	s.active++
	s.wg.Add(1)
	s.mu.Unlock()
	go s.work(f, s.record())
	return true
}

// record returns a child about to start with its ID and the collector's
// record, or nil when collection is off: then the child takes its ID when it
// runs, and the spawning goroutine pays nothing.
func (s *Scope) record() *child {
	if obs.Current() == obs.Off {
		return nil
	}
	c := &child{info: Info{ID: newID(), Parent: s.parent}}
	c.ctx.rec.Init(s.ctx, uint64(c.info.ID), uint64(s.parent), "", s, 1)
	return c
}

// work runs f (as child c, if made already), then queued children, in one
// goroutine holding one slot. A queued child gets its ID and record when it
// starts: the collector sees it from then on.
func (s *Scope) work(f func(context.Context) error, c *child) {
	for f != nil {
		if c != nil {
			s.runChild(f, c)
			c = nil
		} else {
			s.run(f)
		}
		s.mu.Lock()
		if s.qhead < len(s.queue) {
			f = s.queue[s.qhead]
			s.queue[s.qhead] = nil
			s.qhead++
			if s.qhead == len(s.queue) {
				s.queue, s.qhead = s.queue[:0], 0
			}
		} else {
			f = nil
			s.active--
		}
		s.mu.Unlock()
	}
}

// run runs one child that has no ID yet: it takes its ID, and a record if
// collection is on.
func (s *Scope) run(f func(context.Context) error) {
	c := &child{info: Info{ID: newID(), Parent: s.parent}}
	c.ctx.rec.Init(s.ctx, uint64(c.info.ID), uint64(s.parent), "", s, 0)
	s.runChild(f, c)
}

// runChild runs child c, recording its failure.
func (s *Scope) runChild(f func(context.Context) error, c *child) {
	c.ctx.Context, c.ctx.info = s.ctx, &c.info
	rec := c.ctx.rec.Recorded()
	if rec != nil {
		rec.Start()
	}
	normal := false
	defer func() {
		panicked := false
		if !normal {
			if p, err := recovered(&c.info, recover()); p != nil {
				panicked = true
				if s.panic.CompareAndSwap(nil, p) {
					s.cancel(p)
				}
			} else {
				s.fail(err)
			}
		}
		if rec != nil {
			rec.Finish(panicked)
		}
		s.wg.Done()
	}()
	if err := f(&c.ctx); err != nil {
		s.fail(err)
	}
	normal = true
}

// fail records err if it is the first, and cancels the scope with it.
func (s *Scope) fail(err error) {
	if s.err.CompareAndSwap(nil, &err) {
		s.cancel(err)
	}
}

// Wait waits for every child, including those started while it waits, then
// cancels the scope's context. If a child panicked, Wait panics with the
// first child's [*PanicError]; otherwise it returns the first error a child
// returned, or nil.
//
// Wait takes no context: a scope's children never outlive it. To bound the
// wait, cancel the context the scope was made from; children that honour
// their context then return.
func (s *Scope) Wait() error {
	// The collector sees the waiting task (the one whose context made the
	// scope) wait for the scope's children: how long they outlive the
	// scope's own work.
	rec := obs.Park(s.ctx, obs.KindScope, s)
	s.wg.Wait()
	if rec != nil {
		rec.Resume(0)
	}
	s.waited.Store(true)
	s.cancel(context.Canceled)
	if p := s.panic.Load(); p != nil {
		panic(p)
	}
	if e := s.err.Load(); e != nil {
		return *e
	}
	return nil
}
