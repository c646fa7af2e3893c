package oneshot

import "github.com/shio-rt/shio/internal/obs"

// obsStats is what the collector's channel view shows of sh (see
// obs.RegisterChan).
func (sh *shared[T]) obsStats() obs.ChanStats {
	st := obs.ChanStats{Kind: "oneshot", Cap: 1, Receivers: int(sh.parked.Load())}
	switch sh.state.Load() {
	case stateSent:
		st.Len = 1
	case stateAbandoned, stateTaken:
		st.Closed = true
	}
	if sh.rxClosed.Load() {
		st.Closed = true
	}
	return st
}
