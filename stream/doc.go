// Package stream provides pull-based asynchronous streams and their
// combinators, in the manner of tokio-stream and futures::StreamExt.
//
// A [Stream] yields values one at a time from Next(ctx) and ends with
// io.EOF. Streams are built from sources ([FromSlice], [FromSeq],
// [FromChan], [FromFunc], [Generate], [FromInterval], and shio's channels:
// [FromMPSC], [FromBroadcast], [FromWatch]), transformed by
// combinators, one per file ([Map], [Filter], [FilterMap], [TryMap],
// [Take], [TakeWhile], [Skip], [Chain], [Merge], [Throttle], [Timeout],
// [ChunksTimeout], [MapConcurrent], [MapConcurrentUnordered], [StreamMap]),
// and drained by sinks ([Collect], [Fold], [ForEach], [All]). Combinators
// that change the element type are package functions because Go methods
// cannot have type parameters; for uniformity all combinators are.
//
// # Backpressure
//
// Nothing is computed before it is asked for, except by the stages that
// run goroutines, and those hold at most a bounded number of elements: two
// per input for [Merge] and [StreamMap], one for [ChunksTimeout]'s reader
// and for [Generate], and the concurrency limit for the concurrent maps. A slow
// consumer therefore slows the source down; no buffer grows without bound.
//
// # Stopping early
//
// Closing a stream closes everything upstream of it, and stages that run
// goroutines wait for them to exit before Close returns. The sinks close
// the stream they drain, including when the consumer stops early (a break
// out of [All], an error from [ForEach]'s function): everything upstream
// stops and every goroutine exits.
//
// # Errors and panics
//
// An error other than a context's ends a stream: later calls to Next return
// an error again. Errors from any stage reach the consumer through Next. A
// panic in a stage that runs on its own goroutine is recovered there and
// re-raised in the consumer's goroutine, from Next, as a [*task.PanicError]
// carrying the stage's stack; stages without goroutines run in the
// consumer's goroutine, where a panic propagates as usual.
package stream
