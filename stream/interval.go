package stream

import (
	"context"
	"errors"
	"io"

	"github.com/shio-rt/shio/timer"
)

// FromInterval returns an endless stream of iv's ticks (see
// [timer.Interval.Tick] for the missed-tick count each carries). The
// stream owns iv: Close stops it, and a stopped interval ends the stream
// with io.EOF. It runs no goroutine.
//
// # Cancellation
//
// A cancelled Next does not consume the tick, as for [timer.Interval.Tick].
func FromInterval(iv *timer.Interval) Stream[timer.Tick] { return &intervalStream{iv: iv} }

type intervalStream struct {
	iv     *timer.Interval
	closed bool
}

func (s *intervalStream) Next(ctx context.Context) (timer.Tick, error) {
	if s.closed {
		return timer.Tick{}, ErrClosed
	}
	t, err := s.iv.Tick(ctx)
	if errors.Is(err, timer.ErrStopped) {
		err = io.EOF
	}
	return t, err
}

func (s *intervalStream) Close() error {
	s.closed = true
	s.iv.Stop()
	return nil
}
