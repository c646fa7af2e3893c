package task

import (
	"context"

	"github.com/shio-rt/shio/internal/obs"
)

// An ID identifies a task for the life of the process. IDs are unique and
// increase in spawn order; the zero ID means "no task".
type ID uint64

// newID hands out task IDs, from the collector's counter, which HTTP
// requests recorded as tasks share; the first task gets 1.
func newID() ID { return ID(obs.NewID()) }

// Info describes a task: its ID, the name it was given (may be empty), and
// the ID of the task whose context it was spawned from (zero for a task
// spawned outside any task).
type Info struct {
	ID     ID
	Name   string
	Parent ID
}

// infoKey is the context key under which a task's context answers with its
// *Info.
type infoKey struct{}

// Current reports the task that ctx belongs to, and whether there is one.
// A task's context (the one passed to its function) and every context derived
// from it belong to that task.
func Current(ctx context.Context) (Info, bool) {
	if ctx == nil {
		return Info{}, false
	}
	if i, ok := ctx.Value(infoKey{}).(*Info); ok {
		return *i, true
	}
	return Info{}, false
}

func parentOf(ctx context.Context) ID {
	if i, ok := ctx.Value(infoKey{}).(*Info); ok {
		return i.ID
	}
	return 0
}

// taskCtx is a task's context: its cancelable context plus its Info, in one
// value embedded in the task's own struct so that carrying the Info costs no
// allocation of its own.
type taskCtx struct {
	context.Context
	info *Info
	rec  obs.Task // the collector's record, in the task (off when collection is)
}

func (c *taskCtx) Value(key any) any {
	switch key.(type) {
	case infoKey:
		return c.info
	case obs.Key:
		return c.rec.Recorded()
	}
	return c.Context.Value(key)
}
