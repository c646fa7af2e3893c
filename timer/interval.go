package timer

import (
	"context"
	"errors"
	"sync"
	"time"
)

// ErrStopped is returned by [Interval.Tick] and [Interval.TryTick] after
// [Interval.Stop].
var ErrStopped = errors.New("timer: interval stopped")

// ErrNotDue is returned by [Interval.TryTick] when the next tick is not due
// yet.
var ErrNotDue = errors.New("timer: tick not due")

// IntervalConfig configures an [Interval]. The zero value is valid.
type IntervalConfig struct {
	// Start is when the first tick is due. Zero means one period after
	// NewInterval returns, as with time.NewTicker; pass time.Now() for an
	// immediate first tick, as with Tokio's interval.
	Start time.Time
	// MissedTick is the policy for ticks that are late. Zero is [Burst];
	// see [MissedTick] for why.
	MissedTick MissedTick
}

// Tick is one tick of an [Interval].
type Tick struct {
	// Scheduled is the instant this tick was due; the instant it was
	// delivered is later by the consumer's lateness.
	Scheduled time.Time
	// Missed is how many further deadlines had also passed when this tick
	// was delivered: floor((now - Scheduled) / period). Under [Burst] they
	// are delivered next, immediately, each reporting one fewer; under
	// [Delay] and [Skip] they are dropped. Zero means the consumer kept up.
	Missed int
}

// Interval yields ticks at a fixed period, with an explicit policy for
// ticks the consumer was too late to take (see [MissedTick]). Unlike
// time.Ticker it never ticks into a channel behind the consumer's back: a
// tick is computed when [Interval.Tick] is called, so an Interval costs one
// runtime timer, armed only while someone waits.
//
// An Interval is used by one goroutine at a time, except [Interval.Stop],
// which may be called from any goroutine. Create it with [NewInterval].
type Interval struct {
	period time.Duration
	policy MissedTick
	next   time.Time   // deadline of the next tick
	timer  *time.Timer // created on first wait and reused

	stopOnce sync.Once
	stopped  chan struct{} // closed by Stop
}

// NewInterval returns an Interval that ticks every period, configured by
// cfg. It panics if period is not positive or cfg.MissedTick is not one of
// the defined policies, which are programmer errors.
func NewInterval(period time.Duration, cfg IntervalConfig) *Interval {
	if period <= 0 {
		panic("timer: non-positive interval period")
	}
	if cfg.MissedTick > Skip {
		panic("timer: invalid MissedTick " + cfg.MissedTick.String())
	}
	next := cfg.Start
	if next.IsZero() {
		next = time.Now().Add(period)
	}
	return &Interval{period: period, policy: cfg.MissedTick, next: next, stopped: make(chan struct{})}
}

// Period returns the interval's period.
func (iv *Interval) Period() time.Duration { return iv.period }

// Tick waits for the next tick and returns it. If the tick is already due it
// returns at once; [Tick.Missed] then says how late the consumer is, in
// periods, and the Interval's [MissedTick] policy decides when the next
// tick is due. After [Interval.Stop] it returns [ErrStopped].
//
// # Cancellation
//
// If ctx is done before the tick is due, Tick returns ctx.Err() and the
// tick is not consumed: the next call returns it. A ctx that is already
// done wins over a tick that is already due.
func (iv *Interval) Tick(ctx context.Context) (Tick, error) {
	if err := ctx.Err(); err != nil {
		return Tick{}, err
	}
	select {
	case <-iv.stopped:
		return Tick{}, ErrStopped
	default:
	}
	now := time.Now()
	for now.Before(iv.next) {
		c := iv.arm(iv.next.Sub(now))
		select {
		case <-c:
		case <-ctx.Done():
			iv.timer.Stop()
			return Tick{}, ctx.Err()
		case <-iv.stopped:
			iv.timer.Stop()
			return Tick{}, ErrStopped
		}
		now = time.Now()
	}
	return iv.consume(now), nil
}

// TryTick is [Interval.Tick] without waiting: it returns the next tick if
// it is due, [ErrNotDue] if it is not, and [ErrStopped] after
// [Interval.Stop].
func (iv *Interval) TryTick() (Tick, error) {
	select {
	case <-iv.stopped:
		return Tick{}, ErrStopped
	default:
	}
	now := time.Now()
	if now.Before(iv.next) {
		return Tick{}, ErrNotDue
	}
	return iv.consume(now), nil
}

// Ready returns a channel that receives a value once the next tick is due,
// for use in a select statement; then call [Interval.Tick], which returns
// at once. Each call re-arms the Interval's single timer and returns the
// same channel, so Ready must be called again before every select.
func (iv *Interval) Ready() <-chan time.Time {
	return iv.arm(time.Until(iv.next))
}

// Reset makes the next tick due one period from now, as Tokio's reset does,
// forgetting any ticks that were due.
func (iv *Interval) Reset() {
	iv.next = time.Now().Add(iv.period)
}

// Stop makes every current and future [Interval.Tick] return [ErrStopped].
// It may be called from any goroutine, any number of times. A stopped
// Interval holds no runtime resources once it is unreachable.
func (iv *Interval) Stop() {
	iv.stopOnce.Do(func() { close(iv.stopped) })
}

// arm sets the timer to fire after d and returns its channel.
func (iv *Interval) arm(d time.Duration) <-chan time.Time {
	if iv.timer == nil {
		iv.timer = time.NewTimer(d)
	} else {
		iv.timer.Reset(d)
	}
	return iv.timer.C
}

// consume takes the due tick at now and schedules the next by policy.
func (iv *Interval) consume(now time.Time) Tick {
	due := iv.next
	late := now.Sub(due)
	t := Tick{Scheduled: due, Missed: int(late / iv.period)}
	switch iv.policy {
	case Burst:
		iv.next = due.Add(iv.period)
	case Delay:
		iv.next = now.Add(iv.period)
	case Skip:
		iv.next = now.Add(iv.period - late%iv.period)
	}
	return t
}
