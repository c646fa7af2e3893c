package oneshot

import (
	"sync/atomic"

	"github.com/shio-rt/shio/internal/obs"
)

// The states of a channel. The state only moves forward: from empty to
// exactly one of sent or abandoned, and from sent to taken.
const (
	stateEmpty     int32 = iota // nothing sent, sender open
	stateSent                   // a value is in the slot, not yet received
	stateAbandoned              // the sender closed without sending
	stateTaken                  // the value was received
)

// shared is the state the two halves of one channel share.
type shared[T any] struct {
	// value is written once by Send before state moves to stateSent and read
	// once by the receiver after it observes stateSent.
	value T
	state atomic.Int32
	// rxClosed reports whether the receiver closed; it guards the one close
	// of closed.
	rxClosed atomic.Bool
	// ready is closed when state leaves stateEmpty: the receiver parks on it.
	ready chan struct{}
	// closed is closed when the receiver closes: Sender.Closed returns it.
	closed chan struct{}
	// woke is the collector's stamp of the send (obs.Stamp, 0 when
	// collection is off), written before ready is closed; parked counts
	// the receives blocked on ready, for the collector's channel view.
	woke   atomic.Int64
	parked atomic.Int32

	// The two halves live in the same allocation.
	tx Sender[T]
	rx Receiver[T]
}

// New returns the two halves of a new oneshot channel.
func New[T any]() (*Sender[T], *Receiver[T]) {
	s := &shared[T]{ready: make(chan struct{}), closed: make(chan struct{})}
	s.tx.s, s.rx.s = s, s
	obs.RegisterChan(s, (*shared[T]).obsStats)
	return &s.tx, &s.rx
}
