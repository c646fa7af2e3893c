package oneshot

import "errors"

// ErrClosed is returned when the other half of the channel is gone: by
// [Receiver.Recv] and [Receiver.TryRecv] when the sender closed without
// sending (or the value was already received), and wrapped by [*SendError]
// when the receiver closed before the value was sent.
var ErrClosed = errors.New("oneshot: channel closed")

// ErrEmpty is returned by [Receiver.TryRecv] when no value has been sent yet
// and the sender is still open.
var ErrEmpty = errors.New("oneshot: no value yet")

// SendError is returned by [Sender.Send] when the receiver closed before the
// value could be delivered. It hands the unsent value back to the caller.
// errors.Is(err, ErrClosed) reports true for it.
type SendError[T any] struct {
	// Value is the value that was not delivered.
	Value T
}

// Error implements the error interface.
func (e *SendError[T]) Error() string { return "oneshot: send on closed channel: receiver is gone" }

// Unwrap returns [ErrClosed], so that errors.Is(err, ErrClosed) holds.
func (e *SendError[T]) Unwrap() error { return ErrClosed }
