package stream

import "context"

// MapConcurrent returns a stream of f(ctx, v) for each value v of s,
// running up to limit calls of f at once but yielding results in the order
// of s: Rust's buffered. A slow call holds back the results after it (they
// wait, computed, within the limit). An error from f or s is yielded in its
// place in that order and ends the stream, cancelling the calls in flight.
// A panic in f is re-raised from Next, in its place, as a [*task.PanicError].
//
// Memory is bounded by limit: calls running plus results not yet taken
// never exceed it. Workers are goroutines that each pull s in turn (never
// concurrently), call f and wait for the consumer to take their result;
// they are started as values flow, up to limit. They run under a context
// that keeps the first Next's values; Close cancels them, waits for every
// one of them to exit, and closes s. It panics if limit < 1.
//
// # Cancellation
//
// A cancelled Next loses nothing: the result it was waiting for is kept.
func MapConcurrent[T, U any](s Stream[T], limit int, f func(context.Context, T) (U, error)) Stream[U] {
	if limit < 1 {
		panic("stream: concurrency limit < 1")
	}
	return &orderedStream[T, U]{up: s, limit: limit, f: f}
}

type orderedStream[T, U any] struct {
	up      Stream[T]
	limit   int
	f       func(context.Context, T) (U, error)
	g       stage
	order   chan chan item[U] // the workers' result channels, in the order of s; capacity limit
	pending chan item[U]      // the one the consumer waits on, kept across a cancelled Next

	// pull is a lock held by the worker that is calling s.Next, as in
	// MapConcurrentUnordered. It guards s and the fields below.
	pull     chan struct{}
	workers  int   // started so far
	ended    bool  // s has ended
	closeErr error // s.Close's, set by the worker that saw the end
	upClosed bool
	err      error // sticky end, the consumer's own
}

// worker pulls a value and queues its own result channel in pull order,
// then calls f and waits until the consumer takes the result (that wait is
// what bounds memory), until s ends or the stage is cancelled. The worker
// that sees the end closes s and queues the end in its place.
func (m *orderedStream[T, U]) worker() {
	ctx := m.g.ctx
	res := make(chan item[U]) // unbuffered: handing over is waiting for the consumer
	for {
		select {
		case m.pull <- struct{}{}:
		case <-ctx.Done():
			return
		}
		if m.ended {
			<-m.pull
			return
		}
		it := safeNext(ctx, m.up)
		end := it.err != nil || it.panic != nil
		if end {
			m.ended = true
			m.closeErr, m.upClosed = m.up.Close(), true
		} else if m.workers < m.limit {
			m.workers++
			m.g.wg.Go(m.worker)
		}
		m.order <- res // never blocks: at most limit values are outstanding
		<-m.pull
		r := item[U]{err: it.err, panic: it.panic}
		if !end {
			r = safeCall(ctx, m.f, it.v)
		}
		select {
		case res <- r:
		case <-ctx.Done():
			return
		}
		if end {
			return
		}
	}
}

func (m *orderedStream[T, U]) Next(ctx context.Context) (U, error) {
	var zero U
	if m.err != nil {
		return zero, m.err
	}
	if !m.g.started {
		m.g.start(ctx)
		m.order = make(chan chan item[U], m.limit)
		m.pull = make(chan struct{}, 1)
		m.workers = 1
		m.g.wg.Go(m.worker)
	}
	if m.pending == nil {
		select {
		case m.pending = <-m.order:
		case <-ctx.Done():
			return zero, ctx.Err()
		}
	}
	select {
	case it := <-m.pending:
		m.pending = nil
		return take(&m.g, &m.err, it)
	case <-ctx.Done():
		return zero, ctx.Err()
	}
}

func (m *orderedStream[T, U]) Close() error {
	return closeWorkers(&m.g, &m.err, &m.upClosed, &m.closeErr, m.up.Close)
}
