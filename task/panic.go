package task

import (
	"errors"
	"fmt"
	"runtime/debug"
)

// A PanicError is a panic recovered from a task, or from a goroutine that
// runs on a task's behalf (a stage of package stream): the value passed to
// panic and the stack of the panicking goroutine at that moment. Task
// describes the task that panicked; it is the zero Info when the goroutine
// was not a task.
type PanicError struct {
	Task  Info
	Value any
	Stack []byte
}

// Error describes the panic with its value and the task's stack.
func (p *PanicError) Error() string {
	if p.Task.ID == 0 {
		return fmt.Sprintf("panic: %v\n\n%s", p.Value, p.Stack)
	}
	name := ""
	if p.Task.Name != "" {
		name = " " + p.Task.Name
	}
	return fmt.Sprintf("task %d%s panicked: %v\n\n%s", p.Task.ID, name, p.Value, p.Stack)
}

// Unwrap returns the panic value if it is an error, so errors.Is and
// errors.As see through the panic.
func (p *PanicError) Unwrap() error {
	if err, ok := p.Value.(error); ok {
		return err
	}
	return nil
}

// ErrAborted is the error a task reports when it was aborted before it
// finished.
var ErrAborted = errors.New("task: aborted")

// ErrNotFinished is returned by [Handle.TryJoin] and [Set.TryNext] when no
// task has finished yet: the call would have had to wait.
var ErrNotFinished = errors.New("task: not finished")

// ErrGoexit is the error a task reports when its function called
// runtime.Goexit (for example t.FailNow in a test) instead of returning.
var ErrGoexit = errors.New("task: function called runtime.Goexit")

// recovered turns what recover returned, in a task that did not return
// normally, into a panic error or, when r is nil, the Goexit error. It must be
// called from the deferred function so that the stack is the panicking one.
func recovered(info *Info, r any) (*PanicError, error) {
	if r == nil {
		return nil, ErrGoexit
	}
	return &PanicError{Task: *info, Value: r, Stack: debug.Stack()}, nil
}
