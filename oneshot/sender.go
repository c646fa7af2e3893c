package oneshot

import "github.com/shio-rt/shio/internal/obs"

// Sender is the sending half of a oneshot channel, created by [New]. It sends
// at most one value.
//
// The zero value is not usable; get a Sender from [New]. [Sender.Close],
// [Sender.Closed] and [Sender.IsClosed] are safe for concurrent use;
// [Sender.Send] is called at most once.
type Sender[T any] struct {
	s *shared[T]
}

// Send delivers v to the receiver and never blocks.
//
// If the receiver already closed, Send returns a [*SendError] that carries v
// back to the caller; errors.Is(err, ErrClosed) reports true for it. A value
// that Send accepted (nil error) can still be received even if the receiver
// closes afterwards, through [Receiver.TryRecv] or [Receiver.Recv].
//
// Send panics if a value was already sent or the sender was closed: a oneshot
// channel carries exactly one value. A successful Send synchronizes before
// the receive that returns v.
func (s *Sender[T]) Send(v T) error {
	sh := s.s
	if sh.rxClosed.Load() {
		return &SendError[T]{Value: v}
	}
	if sh.state.Load() != stateEmpty {
		panic("oneshot: Send on a Sender that already sent or closed")
	}
	sh.value = v
	if !sh.state.CompareAndSwap(stateEmpty, stateSent) {
		panic("oneshot: concurrent Send or Close on one Sender")
	}
	sh.woke.Store(obs.Stamp())
	close(sh.ready)
	return nil
}

// Close closes the sender without sending: a waiting receiver gets
// [ErrClosed]. Close after a successful Send, or a second Close, does nothing.
// A sender that will not send should be closed (with defer, say), so that the
// receiver stops waiting; a dropped Sender leaves it waiting until its ctx is
// done.
func (s *Sender[T]) Close() {
	sh := s.s
	if sh.state.CompareAndSwap(stateEmpty, stateAbandoned) {
		close(sh.ready)
	}
}

// Closed returns a channel that is closed once the receiver closed, so that a
// sender can stop computing a result nobody will read. It is usable in a
// select statement.
func (s *Sender[T]) Closed() <-chan struct{} { return s.s.closed }

// IsClosed reports whether the receiver closed.
func (s *Sender[T]) IsClosed() bool { return s.s.rxClosed.Load() }
