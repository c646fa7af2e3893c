// Package shio is a Tokio-class asynchronous runtime for Go: an epoll
// reactor that holds idle connections without a goroutine or a buffer, a
// strict HTTP/1.1 server on it that runs net/http Handlers, and the task,
// channel, lock, timer and stream toolkit that Tokio users take for granted.
//
// This package holds only this tour; the code lives in one package per job.
//
// # Which package for which job
//
//   - Run work concurrently and get its result back: [github.com/shio-rt/shio/task]
//     (Spawn and join handles, Set for results in completion order, Scope for
//     structured concurrency with cancellation and panic propagation, Tracker).
//   - Pass values between tasks: [github.com/shio-rt/shio/oneshot] (one value),
//     [github.com/shio-rt/shio/mpsc] (bounded queues with permits, closed when
//     the last sender closes), [github.com/shio-rt/shio/broadcast] (every
//     receiver sees every value, with lag reports), [github.com/shio-rt/shio/watch]
//     (the latest value only).
//   - Share state: [github.com/shio-rt/shio/ctxsync] (FIFO, context-aware
//     Mutex, RWMutex, Semaphore, Barrier, Notify, Event).
//   - Time: [github.com/shio-rt/shio/timer] (Sleep, Interval with a missed-tick
//     policy, timeouts, DelayQueue).
//   - Streams of values with backpressure: [github.com/shio-rt/shio/stream].
//   - Many connections in little memory: [github.com/shio-rt/shio/reactor]
//     (event loops), [github.com/shio-rt/shio/tcp] (net.Listener and net.Conn
//     on the loops), [github.com/shio-rt/shio/http1] (the HTTP/1.1 server).
//   - See what a running program does: [github.com/shio-rt/shio/console] (a
//     live web console of tasks, loops and servers, Prometheus metrics, a
//     stuck-task detector).
//
// # One shape across packages
//
//   - Every call that can block takes a context.Context first, returns
//     ctx.Err() promptly once it is done, and documents under
//     "# Cancellation" what a cancelled call leaves behind.
//   - A channel's New returns its sender and a first receiver:
//     mpsc.New, oneshot.New, broadcast.New, watch.New.
//   - TryX is X without waiting, and returns what X returns. Where X can
//     fail for a reason other than its context (a closed channel, a task's
//     error, a closed semaphore), "would block" is one more sentinel error
//     of the package: mpsc.ErrEmpty and ErrFull, task.ErrNotFinished,
//     ctxsync.ErrNoPermits. Where X's only error is ctx's, or X returns
//     none, TryX reports success with a trailing bool, as sync.Mutex.TryLock
//     does: ctxsync's TryLock, Cell.TryGet, timer.DelayQueue.TryNext,
//     task's Scope.TryGo.
//   - Receivers and streams are ranged over with All(ctx), an
//     iter.Seq2[T, error]: (v, nil) for each value, a quiet end when the
//     channel closes or the stream ends, and (zero, err) once, last, for a
//     terminal error such as ctx's. An error that leaves the receiver usable
//     (a broadcast lag, a stream timeout) is yielded and the loop goes on.
//   - A value and its error that travel together, as a task's result in a
//     task.Set, are a task.Result; a recovered panic is a *task.PanicError
//     wherever it is re-raised.
//
// Whole programs, one per pattern, are under examples/, and the shio command
// (cmd/shio) serves HTTP, echoes TCP and generates load.
package shio
