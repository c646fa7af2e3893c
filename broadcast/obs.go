package broadcast

import (
	"math"
	"slices"
	"sync/atomic"
	"weak"

	"github.com/shio-rt/shio/internal/obs"
)

// closedPos is the position a closed receiver publishes.
const closedPos = math.MaxUint64

// maxBehind bounds the receivers whose distance obsStats lists.
const maxBehind = 32

// watchLocked makes the published position of a new receiver of a watched
// channel, at next, and keeps it weakly (sh.mu held). The dropped and
// closed receivers' entries go when the list has doubled.
func (sh *shared[T]) watchLocked(next uint64) *atomic.Uint64 {
	pos := new(atomic.Uint64)
	pos.Store(next)
	if n := len(sh.positions); n >= 16 && n&(n-1) == 0 { // at each power of two
		sh.positions = slices.DeleteFunc(sh.positions, func(w weak.Pointer[atomic.Uint64]) bool {
			p := w.Value()
			return p == nil || p.Load() == closedPos
		})
	}
	sh.positions = append(sh.positions, weak.Make(pos))
	return pos
}

// obsStats is what the collector's channel view shows of sh (see
// obs.RegisterChan): Len is the values kept in the ring, Lag the values
// receivers have lost to lag so far, Behind how far each open receiver is
// behind the sender (the farthest first, at most maxBehind).
func (sh *shared[T]) obsStats() obs.ChanStats {
	size := sh.mask + 1
	tail := sh.tail.Load()
	s := obs.ChanStats{Kind: "broadcast", Cap: int(size), Len: int(min(tail, size)),
		Receivers: int(sh.parked.Load()), Subscribers: int(sh.receivers.Load()),
		Closed: sh.closed.Load(), Lag: sh.missed.Load()}
	sh.mu.Lock()
	for _, w := range sh.positions {
		if p := w.Value(); p != nil {
			if next := p.Load(); next != closedPos {
				s.Behind = append(s.Behind, tail-min(next, tail))
			}
		}
	}
	sh.mu.Unlock()
	slices.SortFunc(s.Behind, func(a, b uint64) int {
		switch {
		case a > b:
			return -1
		case a < b:
			return 1
		}
		return 0
	})
	if len(s.Behind) > maxBehind {
		s.Behind = s.Behind[:maxBehind]
	}
	return s
}
