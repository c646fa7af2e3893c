package stream

import (
	"context"
	"sync"
)

// stage owns the goroutines of a combinator: they start on the first Next,
// under a context that keeps that Next's values but not its cancellation,
// and stop is how Close cancels them and waits for them to exit.
type stage struct {
	ctx     context.Context
	cancel  context.CancelFunc
	wg      sync.WaitGroup
	started bool
}

// start prepares the stage's context; the caller then starts goroutines
// with wg.Go.
func (g *stage) start(ctx context.Context) {
	g.ctx, g.cancel = context.WithCancel(context.WithoutCancel(ctx))
	g.started = true
}

// stop cancels the stage's goroutines and waits for them to exit. It
// reports whether the stage had started.
func (g *stage) stop() bool {
	if !g.started {
		return false
	}
	g.cancel()
	g.wg.Wait()
	return true
}

// safeCall calls f, turning a panic into an item.
func safeCall[T, U any](ctx context.Context, f func(context.Context, T) (U, error), v T) (it item[U]) {
	defer func() {
		if r := recover(); r != nil {
			it = item[U]{panic: newPanicError(r)}
		}
	}()
	it.v, it.err = f(ctx, v)
	return it
}

// take turns a worker's result into what a worker-pool stream's Next
// returns: a panic or an error cancels the stage and becomes the stream's
// sticky end in *sticky.
func take[U any](g *stage, sticky *error, it item[U]) (U, error) {
	if it.panic != nil {
		g.cancel()
	}
	v, err := it.unwrap()
	if err != nil {
		*sticky = err
		g.cancel()
	}
	return v, err
}

// closeWorkers is Close for a worker-pool stream: it stops the stage and
// closes the upstream unless a worker already did, in which case it
// returns that Close's error. upClosed and closeErr are read only after
// the workers that set them have exited.
func closeWorkers(g *stage, sticky *error, upClosed *bool, closeErr *error, closeUp func() error) error {
	if *sticky == ErrClosed {
		return nil
	}
	*sticky = ErrClosed
	if !g.stop() || !*upClosed {
		return closeUp()
	}
	return *closeErr
}
