package watch

import "github.com/shio-rt/shio/internal/obs"

// obsStats is what the collector's channel view shows of sh (see
// obs.RegisterChan).
func (sh *shared[T]) obsStats() obs.ChanStats {
	return obs.ChanStats{Kind: "watch", Cap: 1, Len: 1, Receivers: int(sh.parked.Load()),
		Subscribers: int(sh.receivers.Load()), Closed: sh.closed.Load(), Version: sh.cur.Load().ver}
}
