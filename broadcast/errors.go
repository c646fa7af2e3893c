package broadcast

import (
	"errors"
	"strconv"
)

var (
	// ErrClosed is returned by [Sender.Send] after [Sender.Close], and by
	// receives once the sender closed and the receiver has seen every value
	// (or once the receiver itself was closed).
	ErrClosed = errors.New("broadcast: channel closed")
	// ErrNoReceivers is returned by [Sender.Send] when no receiver is
	// subscribed; the value is not kept.
	ErrNoReceivers = errors.New("broadcast: no receivers")
	// ErrEmpty is returned by [Receiver.TryRecv] when the receiver has seen
	// every value sent so far and the sender is open.
	ErrEmpty = errors.New("broadcast: no new value")
)

// LagError is returned by a receive when the receiver fell so far behind that
// values it had not seen were overwritten. Missed is the exact number of
// values it skipped; the next receive returns the oldest value still kept.
type LagError struct {
	Missed uint64
}

// Error implements the error interface.
func (e *LagError) Error() string {
	return "broadcast: receiver lagged and missed " + strconv.FormatUint(e.Missed, 10) + " values"
}
