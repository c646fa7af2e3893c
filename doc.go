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
//
// Whole programs, one per pattern, are under examples/, and the shio command
// (cmd/shio) serves HTTP, echoes TCP and generates load.
package shio
