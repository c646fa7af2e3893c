package obs

import (
	"sync/atomic"
	"time"
)

// A Level says how much is collected; see the package documentation.
type Level int32

// The collection levels, in increasing cost.
const (
	Off Level = iota
	Counters
	Full
)

// String returns "off", "counters" or "full".
func (l Level) String() string {
	switch l {
	case Off:
		return "off"
	case Counters:
		return "counters"
	case Full:
		return "full"
	}
	return "Level(" + itoa(uint64(l)) + ")"
}

// level is the current Level; every hook loads it first.
var level atomic.Int32

// SetLevel sets the collection level. A program sets it once, at start, before
// it spawns tasks; changing it later is safe, but a task keeps the level it
// was spawned under (a task spawned at Off is never seen). It panics on an
// unknown level.
func SetLevel(l Level) {
	if l < Off || l > Full {
		panic("obs: unknown level " + l.String())
	}
	level.Store(int32(l))
}

// Current returns the collection level.
func Current() Level { return Level(level.Load()) }

// epoch is the origin of the collector's clock.
var epoch = time.Now()

// Now returns the collector's clock: monotonic nanoseconds from an origin
// near the start of the process. Only differences of its readings mean
// something (inside a testing/synctest bubble the readings are negative, and
// their differences follow the bubble's fake clock). It costs one monotonic
// clock read, about half of time.Now.
func Now() int64 { return int64(time.Since(epoch)) }

// At converts t (with its monotonic reading, as time.Now returns it) to a
// reading of Now, without reading the clock.
func At(t time.Time) int64 { return int64(t.Sub(epoch)) }

// Wall converts a reading of Now to wall-clock time.
func Wall(t int64) time.Time { return epoch.Add(time.Duration(t)) }

// Stamp returns Now if collection is on and 0 if it is off, for a waker to
// record when it woke a waiter (see [Task.Resume]).
func Stamp() int64 {
	if level.Load() == int32(Off) {
		return 0
	}
	return Now()
}

// since returns the nanoseconds from t0 to t1, or zero if negative.
func since(t0, t1 int64) int64 { return max(t1-t0, 0) }

func itoa(v uint64) string {
	var b [20]byte
	i := len(b)
	for {
		i--
		b[i] = byte('0' + v%10)
		v /= 10
		if v == 0 {
			return string(b[i:])
		}
	}
}
