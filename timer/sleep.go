package timer

import (
	"context"
	"time"
)

// Sleep pauses the calling goroutine for at least d, or until ctx is done,
// whichever comes first. It returns nil after the full pause, and ctx.Err()
// otherwise. A d of zero or less returns at once: ctx.Err() if ctx is
// already done, nil if not.
//
// Sleep costs one runtime timer, released before it returns.
//
// # Cancellation
//
// When ctx is done first, Sleep returns ctx.Err() promptly and leaves
// nothing behind: its timer is stopped.
func Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// SleepUntil pauses the calling goroutine until the wall-clock instant
// deadline (using its monotonic reading when it has one), or until ctx is
// done. It is [Sleep] with d = time.Until(deadline).
//
// # Cancellation
//
// As for [Sleep].
func SleepUntil(ctx context.Context, deadline time.Time) error {
	return Sleep(ctx, time.Until(deadline))
}
