package broadcast

import "github.com/shio-rt/shio/internal/obs"

// obsStats is what the collector's channel view shows of sh (see
// obs.RegisterChan): Len is the values kept in the ring, Lag the values
// receivers have lost to lag so far.
func (sh *shared[T]) obsStats() obs.ChanStats {
	size := sh.mask + 1
	return obs.ChanStats{Kind: "broadcast", Cap: int(size), Len: int(min(sh.tail.Load(), size)),
		Receivers: int(sh.parked.Load()), Subscribers: int(sh.receivers.Load()),
		Closed: sh.closed.Load(), Lag: sh.missed.Load()}
}
