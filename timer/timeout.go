package timer

import (
	"context"
	"errors"
	"time"
)

// ErrTimeout matches every [*TimeoutError] under errors.Is.
var ErrTimeout = errors.New("timer: timed out")

// TimeoutError reports that [Timeout] or [TimeoutAt] ran out of time. It
// satisfies the net.Error-style Timeout() bool, and errors.Is matches it
// against both [ErrTimeout] and context.DeadlineExceeded, so code that
// checks for either keeps working.
type TimeoutError struct {
	// After is the time limit that elapsed.
	After time.Duration
	// Err is the error the timed-out function returned, usually
	// context.DeadlineExceeded; nil when the error is a context cause.
	Err error
}

// Error returns "timer: timed out after <After>".
func (e *TimeoutError) Error() string { return "timer: timed out after " + e.After.String() }

// Timeout reports true.
func (e *TimeoutError) Timeout() bool { return true }

// Is reports whether target is [ErrTimeout] or context.DeadlineExceeded.
func (e *TimeoutError) Is(target error) bool {
	return target == ErrTimeout || target == context.DeadlineExceeded
}

// Unwrap returns the error the timed-out function returned.
func (e *TimeoutError) Unwrap() error { return e.Err }

// Timeout calls f with a context that is cancelled after d, and returns
// f's results. If f fails because that time limit passed, the error is a
// [*TimeoutError]; the same value is the context's cause
// (context.Cause), so f can tell a timeout from other cancellation.
//
// Timeout starts no goroutine: f runs in the calling goroutine and must
// return promptly once its context is done, as every ctx-first function
// does. A result f returns with a nil error is returned as is, even if it
// arrived late.
//
// # Cancellation
//
// If ctx itself is done, f sees that and its error is returned unchanged,
// not as a timeout: only this call's own limit yields a [*TimeoutError].
func Timeout[T any](ctx context.Context, d time.Duration, f func(context.Context) (T, error)) (T, error) {
	cause := &TimeoutError{After: d}
	tctx, cancel := context.WithTimeoutCause(ctx, d, cause)
	defer cancel()
	return finish(ctx, tctx, cause, f)
}

// TimeoutAt is [Timeout] with an absolute deadline; the error's After is
// the time that remained when TimeoutAt was called.
//
// # Cancellation
//
// As for [Timeout]: if ctx itself is done, f's error is returned unchanged,
// not as a timeout.
func TimeoutAt[T any](ctx context.Context, deadline time.Time, f func(context.Context) (T, error)) (T, error) {
	cause := &TimeoutError{After: time.Until(deadline)}
	tctx, cancel := context.WithDeadlineCause(ctx, deadline, cause)
	defer cancel()
	return finish(ctx, tctx, cause, f)
}

func finish[T any](ctx, tctx context.Context, cause *TimeoutError, f func(context.Context) (T, error)) (T, error) {
	v, err := f(tctx)
	if err != nil && ctx.Err() == nil && context.Cause(tctx) == error(cause) {
		if te, ok := errors.AsType[*TimeoutError](err); ok && te == cause {
			return v, err
		}
		return v, &TimeoutError{After: cause.After, Err: err}
	}
	return v, err
}
