package mpsc

import (
	"math"

	"github.com/shio-rt/shio/internal/obs"
)

// obsStats is what the collector's channel view shows of c (see
// obs.RegisterChan): it takes mu briefly to count the blocked calls, and
// adds those parked in the slots.
func (c *core[T]) obsStats() obs.ChanStats {
	s := c.state.Load()
	st := obs.ChanStats{Kind: "mpsc", Len: int(s & countMask), Closed: s&closedBit != 0}
	if c.limit != math.MaxInt {
		st.Cap = c.limit
	}
	c.mu.Lock()
	for w := c.senders.head; w != nil; w = w.next {
		st.Senders++
	}
	for w := c.recvers.head; w != nil; w = w.next {
		st.Receivers++
	}
	c.mu.Unlock()
	// A call parked in a slot (see recvSlot, sendSlot) is blocked too.
	s = c.state.Load()
	if s&recvSlotBit != 0 {
		st.Receivers++
	}
	if s&sendSlotBit != 0 {
		st.Senders++
	}
	return st
}
