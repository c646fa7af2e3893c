package timer

import "strconv"

// MissedTick says what an [Interval] does when its consumer falls behind,
// that is when [Interval.Tick] is called after one or more deadlines have
// already passed. The semantics are Tokio's MissedTickBehavior.
//
// The zero value is [Burst], as in Tokio, because it is the only policy that
// never loses a tick: n periods of wall time always yield n ticks, which is
// what code that counts ticks (rates, quotas, sampling) relies on. Go's
// time.Ticker instead drops late ticks silently (golang/go#35480); here the
// [Tick.Missed] count reports lateness under every policy. Choose [Skip]
// for "at most one tick per period, on the original grid" (a UI refresh, a
// heartbeat) and [Delay] for "at least one period between ticks".
type MissedTick uint8

const (
	// Burst delivers every missed tick, as fast as the consumer asks for
	// them, until the Interval has caught up; deadlines stay on the
	// original grid start + k*period.
	Burst MissedTick = iota
	// Delay drops the missed ticks and schedules the next tick one full
	// period after the late tick was delivered, shifting the grid.
	Delay
	// Skip drops the missed ticks and schedules the next tick at the next
	// point of the original grid that is still in the future.
	Skip
)

// String returns "Burst", "Delay" or "Skip".
func (m MissedTick) String() string {
	switch m {
	case Burst:
		return "Burst"
	case Delay:
		return "Delay"
	case Skip:
		return "Skip"
	}
	return "MissedTick(" + strconv.Itoa(int(m)) + ")"
}
