// Package task runs goroutines as tasks: units of work with an owner, an
// identity and a result, in the manner of Tokio's tasks.
//
// Four shapes cover the usual needs:
//
//   - [Spawn] starts one task and returns a [Handle]: join it with a
//     context, abort it, select on its Done channel.
//   - [Set] holds many tasks of one result type and yields their results in
//     completion order, while more are spawned into it.
//   - [Scope] is structured concurrency: children never outlive it, the first
//     error cancels their context, and a child's panic is re-raised in the
//     parent, with the child's stack, when the parent waits. An optional
//     limit on running children never deadlocks when children spawn children.
//   - [Tracker] only counts tasks: close it and wait for them to finish.
//
// Every task has an [ID], an optional name and the ID of the task that
// spawned it, all carried in its context and read back with [Current], so a
// log line, a metric or a debugger can show the task tree.
//
// # Panics
//
// A panic in a task is never swallowed and never crashes the program from a
// goroutine nobody owns, unless nobody can own it:
//
//   - a [Handle] captures the panic; [Handle.Join] returns it as a
//     [*PanicError] carrying the value and the task's stack;
//   - a [Set] captures it in that task's [Result];
//   - a [Scope] captures it, cancels the scope's context like an error, and
//     re-panics with the [*PanicError] in the goroutine that calls
//     [Scope.Wait];
//   - a detached task (after [Handle.Detach]) and a [Tracker]'s tasks have
//     no one to report to: their panic crashes the program with the task's
//     value and stack, exactly as a bare go statement would. Recover inside
//     the task if a crash is not what you want.
//
// # Cost
//
// A task costs one goroutine plus a few small allocations (the handle and
// its done channel). Its cancelable context is made only when first needed
// (Done, a derived context, context.Cause), so a task that never looks at
// its context does not pay for one. See bench_test.go and bench/task for
// figures against a bare go statement, errgroup and conc.
package task
