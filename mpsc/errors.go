package mpsc

import "errors"

var (
	// ErrClosed is returned by sends once the receiver closed or the sending
	// handle was closed, and by receives once the channel is closed and
	// drained.
	ErrClosed = errors.New("mpsc: channel closed")
	// ErrFull is returned by [Sender.TrySend] when the channel has no free
	// slot (or other senders are already waiting for one).
	ErrFull = errors.New("mpsc: channel full")
	// ErrEmpty is returned by [Receiver.TryRecv] when no value is buffered and
	// the channel is still open.
	ErrEmpty = errors.New("mpsc: channel empty")
)
