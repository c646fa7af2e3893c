package watch

import "errors"

var (
	// ErrClosed is returned by [Receiver.Changed] and [Receiver.WaitFor]
	// once the sender closed and there is no unseen change left, and by
	// [Sender.Send] after [Sender.Close].
	ErrClosed = errors.New("watch: channel closed")
	// ErrNoReceivers is returned by [Sender.Send] when every receiver is
	// closed; the value is not stored.
	ErrNoReceivers = errors.New("watch: no receivers")
)
