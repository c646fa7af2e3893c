package reactor

import (
	"errors"
	"fmt"
	"os"
)

// errNoSendFile is SendFile's answer where it cannot send a file.
var errNoSendFile = fmt.Errorf("reactor: SendFile: %w", errors.ErrUnsupported)

// errNoDirect is TryWritev's answer where the calling goroutine cannot
// write the socket itself (under a Layer, outside Linux).
var errNoDirect = fmt.Errorf("reactor: direct write: %w", errors.ErrUnsupported)

var (
	// ErrClosed is returned by writes on a connection that has been closed
	// (or whose write side has been shut with CloseWrite).
	ErrClosed = errors.New("reactor: connection closed")

	// ErrReactorClosed is returned by calls on a reactor that has been
	// closed or is shutting down, and is the OnClose error of connections
	// closed by [Reactor.Close].
	ErrReactorClosed = errors.New("reactor: reactor closed")

	// ErrPendingTooLarge closes a connection whose unconsumed input passed
	// [Config.MaxPending].
	ErrPendingTooLarge = errors.New("reactor: unconsumed input exceeds MaxPending")

	// ErrIdleTimeout closes a connection idle for [Config.IdleTimeout].
	ErrIdleTimeout error = &timeoutError{"reactor: idle timeout"}

	// ErrReadTimeout closes a connection whose read deadline passed.
	ErrReadTimeout error = &timeoutError{"reactor: read deadline exceeded"}

	// ErrWriteTimeout closes a connection whose write deadline passed with
	// output still queued.
	ErrWriteTimeout error = &timeoutError{"reactor: write deadline exceeded"}
)

// timeoutError is a deadline error: it reports Timeout() and matches
// os.ErrDeadlineExceeded.
type timeoutError struct{ msg string }

func (e *timeoutError) Error() string        { return e.msg }
func (e *timeoutError) Timeout() bool        { return true }
func (e *timeoutError) Temporary() bool      { return true }
func (e *timeoutError) Is(target error) bool { return target == os.ErrDeadlineExceeded }
