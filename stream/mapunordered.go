package stream

import "context"

// MapConcurrentUnordered returns a stream of f(ctx, v) for each value v of
// s, running up to limit calls of f at once and yielding results in the
// order they finish: Rust's buffer_unordered. The first error from f or s
// ends the stream and cancels the calls in flight. A panic in f is
// re-raised from Next as a [*task.PanicError].
//
// Memory is bounded by limit: a value is pulled from s only by a worker
// that is free, and a worker holds its result until the consumer takes it,
// so calls running plus results waiting never exceed limit. Workers are
// goroutines that each pull s in turn (never concurrently) and call f;
// they are started as values flow, up to limit, so a small stream starts
// few. They run under a context that keeps the first Next's values; Close
// cancels them, waits for every one of them to exit, and closes s. It
// panics if limit < 1.
//
// # Cancellation
//
// A cancelled Next loses nothing: finished results wait for the next call.
func MapConcurrentUnordered[T, U any](s Stream[T], limit int, f func(context.Context, T) (U, error)) Stream[U] {
	if limit < 1 {
		panic("stream: concurrency limit < 1")
	}
	return &unorderedStream[T, U]{up: s, limit: limit, f: f}
}

type unorderedStream[T, U any] struct {
	up    Stream[T]
	limit int
	f     func(context.Context, T) (U, error)
	g     stage
	out   chan item[U] // results, then the end, from the workers

	// pull is a lock held by the worker that is calling s.Next; it is a
	// channel so that waiting for it is ctx-aware and synctest-durable. It
	// guards s and the fields below.
	pull     chan struct{}
	workers  int  // started so far
	alive    int  // not yet exited by the end of s
	ended    bool // s has ended; end holds how
	end      item[U]
	closeErr error // s.Close's, set by the last worker at the end of s
	upClosed bool  // s was closed by a worker
	err      error // sticky end, the consumer's own
}

// worker pulls a value, starts another worker if more are allowed, calls
// f and hands the result over, until s ends or the stage is cancelled. The
// last worker to see the end closes s and sends the end.
func (m *unorderedStream[T, U]) worker() {
	ctx := m.g.ctx
	for {
		select {
		case m.pull <- struct{}{}:
		case <-ctx.Done():
			return
		}
		var it item[T]
		if !m.ended {
			it = safeNext(ctx, m.up)
			if it.err != nil || it.panic != nil {
				m.ended, m.end = true, item[U]{err: it.err, panic: it.panic}
			}
		}
		if m.ended {
			m.alive--
			last := m.alive == 0
			if last {
				m.closeErr, m.upClosed = m.up.Close(), true
			}
			<-m.pull
			if last && ctx.Err() == nil {
				select {
				case m.out <- m.end:
				case <-ctx.Done():
				}
			}
			return
		}
		if m.workers < m.limit {
			m.workers++
			m.alive++
			m.g.wg.Go(m.worker)
		}
		<-m.pull
		r := safeCall(ctx, m.f, it.v)
		select {
		case m.out <- r:
		case <-ctx.Done():
			return
		}
	}
}

func (m *unorderedStream[T, U]) Next(ctx context.Context) (U, error) {
	var zero U
	if m.err != nil {
		return zero, m.err
	}
	if !m.g.started {
		m.g.start(ctx)
		m.out = make(chan item[U])
		m.pull = make(chan struct{}, 1)
		m.workers, m.alive = 1, 1
		m.g.wg.Go(m.worker)
	}
	select {
	case it := <-m.out:
		return take(&m.g, &m.err, it)
	case <-ctx.Done():
		return zero, ctx.Err()
	}
}

func (m *unorderedStream[T, U]) Close() error {
	return closeWorkers(&m.g, &m.err, &m.upClosed, &m.closeErr, m.up.Close)
}
