package task

import (
	"context"

	"github.com/shio-rt/shio/internal/obs"
)

// A Handle is the owner's end of a task started by [Spawn]: it joins the
// task, aborts it, or detaches from it. All methods are safe for concurrent
// use, and any number of goroutines may Join the same task.
//
// The task finishing synchronizes before every Join, TryJoin or receive from
// Done that observes it.
type Handle[T any] struct {
	core
	done  chan struct{}
	val   T           // written by the task before done is closed
	err   error       // likewise
	panic *PanicError // likewise; non-nil if the task panicked
}

// Spawn starts f in a new goroutine as a task and returns its handle. The
// task's context is derived from ctx (cancelling ctx cancels it) and carries
// the task's [Info]; its parent is the task ctx belongs to, if any.
//
// A panic in f is captured and returned by [Handle.Join] as a [*PanicError];
// see the package documentation for the panic policy.
func Spawn[T any](ctx context.Context, f func(ctx context.Context) (T, error)) *Handle[T] {
	return spawn(ctx, "", f)
}

// SpawnNamed is [Spawn] with a name for the task, shown by [Current] and in a
// [*PanicError].
func SpawnNamed[T any](ctx context.Context, name string, f func(ctx context.Context) (T, error)) *Handle[T] {
	return spawn(ctx, name, f)
}

// spawn is Spawn and SpawnNamed: one frame below the spawn site.
func spawn[T any](ctx context.Context, name string, f func(ctx context.Context) (T, error)) *Handle[T] {
	h := &Handle[T]{done: make(chan struct{})}
	h.init(ctx, name, 2)
	go h.run(f)
	return h
}

func (h *Handle[T]) run(f func(context.Context) (T, error)) {
	normal := false
	rec := h.rec.Recorded()
	if rec != nil {
		rec.Start()
	}
	defer func() {
		if !normal {
			h.panic, h.err = recovered(&h.info, recover())
		}
		if rec != nil {
			rec.Finish(h.panic != nil)
		}
		old := h.finish()
		if old&stAborted != 0 && h.panic == nil {
			var zero T
			h.val, h.err = zero, abortedErr(h.err)
		}
		close(h.done)
		if h.panic != nil && old&stDetached != 0 {
			panic(h.panic)
		}
	}()
	h.val, h.err = f(h.context())
	normal = true
}

// ID returns the task's ID.
func (h *Handle[T]) ID() ID { return h.info.ID }

// Info returns the task's ID, name and parent.
func (h *Handle[T]) Info() Info { return h.info }

// Done returns a channel that is closed when the task has finished, for use
// in select. After it is closed, [Handle.TryJoin] reports the result.
func (h *Handle[T]) Done() <-chan struct{} { return h.done }

// Join waits for the task to finish and returns its result: the value and
// error f returned; a [*PanicError] if f panicked; or [ErrAborted] (possibly
// wrapping f's own error) if [Handle.Abort] took effect before f finished.
//
// # Cancellation
//
// If ctx ends before the task finishes, Join returns the zero value and
// ctx.Err(), and the task is unaffected: it keeps running and can be joined
// again later. To stop the task, call [Handle.Abort].
func (h *Handle[T]) Join(ctx context.Context) (T, error) {
	select {
	case <-h.done:
	default:
		rec := obs.ParkJoin(ctx, uint64(h.info.ID))
		cancelled := ctx.Done()
		if cancelled == nil { // a context that never ends: no select needed
			<-h.done
			if rec != nil {
				rec.Resume(0)
			}
			break
		}
		select {
		case <-h.done:
			if rec != nil {
				rec.Resume(0)
			}
		case <-cancelled:
			if rec != nil {
				rec.Resume(0)
			}
			var zero T
			return zero, ctx.Err()
		}
	}
	return h.result()
}

// TryJoin returns the task's result as [Handle.Join] does if the task has
// finished, and the zero value and [ErrNotFinished] if it has not. It never
// blocks.
func (h *Handle[T]) TryJoin() (T, error) {
	select {
	case <-h.done:
		return h.result()
	default:
		var zero T
		return zero, ErrNotFinished
	}
}

func (h *Handle[T]) result() (T, error) {
	if h.panic != nil {
		return h.val, h.panic
	}
	return h.val, h.err
}

// Abort asks the task to stop by cancelling its context, with [ErrAborted] as
// the cause (see context.Cause). The task stops when f returns; a later Join
// reports ErrAborted. If the task has already finished, Abort does nothing
// and Join reports the task's own result. Abort reports whether it took
// effect. It does not wait; Join does.
func (h *Handle[T]) Abort() bool { return h.abort() }

// Detach declares that nobody will join the task. The task runs on; if it
// panics, the panic can no longer be returned to anyone, so it crashes the
// program with the task's [*PanicError] (value and stack), as a panic in a
// bare go statement would. If the task had already panicked when Detach is
// called, Detach itself panics with that error.
func (h *Handle[T]) Detach() {
	old := h.state.Or(stDetached)
	if old&stFinished != 0 && h.panic != nil {
		panic(h.panic)
	}
}
