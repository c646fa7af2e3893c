package stream

import (
	"context"
	"time"
)

// ChunksTimeout returns a stream of slices of s's values: a chunk is
// yielded when it holds max values or when d has passed since its first
// value arrived, whichever comes first, as Tokio's chunks_timeout. It is
// the windowed batching of a real-time pipeline: full batches under load,
// bounded latency when the source is slow. A chunk is never empty; when s
// ends, the partial chunk is yielded, then its end (io.EOF or the error).
//
// A goroutine reads s one value ahead of the consumer (started by the
// first Next, stopped and waited for by Close), so that the time limit
// holds even while s is blocked. Each chunk is a new slice, owned by the
// consumer. It panics if max < 1 or d <= 0.
//
// # Cancellation
//
// A cancelled Next loses nothing: the partial chunk and its deadline are
// kept for the next call.
func ChunksTimeout[T any](s Stream[T], max int, d time.Duration) Stream[[]T] {
	if max < 1 || d <= 0 {
		panic("stream: ChunksTimeout needs max >= 1 and d > 0")
	}
	return &chunksStream[T]{up: s, max: max, d: d}
}

type chunksStream[T any] struct {
	up       Stream[T]
	max      int
	d        time.Duration
	g        stage
	in       chan item[T] // from the pump
	closeErr error        // s.Close's, set by the pump
	buf      []T          // the chunk being filled
	deadline time.Time    // when buf is due; valid while len(buf) > 0
	timer    *time.Timer
	err      error // sticky end
}

func (c *chunksStream[T]) Next(ctx context.Context) ([]T, error) {
	if c.err != nil && len(c.buf) == 0 {
		return nil, c.err
	}
	if !c.g.started {
		c.g.start(ctx)
		c.in = make(chan item[T])
		c.g.wg.Go(func() { pump(c.g.ctx, c.up, c.in, nil, &c.closeErr) })
	}
	var due <-chan time.Time
	if len(c.buf) > 0 {
		wait := time.Until(c.deadline)
		if wait <= 0 { // it fell due while the consumer was away
			return c.take(), nil
		}
		due = c.arm(wait)
	}
	for {
		select {
		case it := <-c.in:
			v, err := it.unwrap()
			if err != nil {
				c.err = err
				if len(c.buf) > 0 {
					return c.take(), nil
				}
				return nil, err
			}
			if c.buf == nil {
				c.buf = make([]T, 0, min(c.max, 1024))
				c.deadline = time.Now().Add(c.d)
				due = c.arm(c.d)
			}
			c.buf = append(c.buf, v)
			if len(c.buf) >= c.max {
				return c.take(), nil
			}
		case <-due:
			return c.take(), nil
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

func (c *chunksStream[T]) arm(d time.Duration) <-chan time.Time {
	if c.timer == nil {
		c.timer = time.NewTimer(d)
	} else {
		c.timer.Reset(d)
	}
	return c.timer.C
}

func (c *chunksStream[T]) take() []T {
	out := c.buf
	c.buf = nil
	if c.timer != nil {
		c.timer.Stop()
	}
	return out
}

func (c *chunksStream[T]) Close() error {
	if c.err == ErrClosed {
		return nil
	}
	c.err, c.buf = ErrClosed, nil
	if c.timer != nil {
		c.timer.Stop()
	}
	if c.g.stop() {
		return c.closeErr
	}
	return c.up.Close()
}
