package reactor

import (
	"sync/atomic"
	"time"
)

// Stats is a snapshot of a reactor's counters, summed over its loops. Each
// counter is updated just after the event it counts, so a snapshot taken
// while connections are active may trail them slightly.
type Stats struct {
	Loops        int           // event loops
	Open         int64         // connections open now
	Accepted     uint64        // connections accepted since New
	Dialed       uint64        // connections dialled since New
	Closed       uint64        // connections closed since New
	BytesRead    uint64        // bytes read and delivered to OnData (input discarded while closing is not counted)
	BytesWritten uint64        // bytes written to connections
	AcceptErrors uint64        // failed accept calls (other than "try again")
	Busy         time.Duration // time the loops spent handling events
}

// counters are one loop's statistics. Each field is written by its loop
// (BytesWritten also by writers on other goroutines) and read by Stats.
type counters struct {
	accepted     atomic.Uint64
	dialed       atomic.Uint64
	closed       atomic.Uint64
	bytesRead    atomic.Uint64
	bytesWritten atomic.Uint64
	acceptErrors atomic.Uint64
	busy         atomic.Int64
	_            [64]byte // keep loops' counters on separate cache lines
}

func (c *counters) addTo(s *Stats) {
	s.Accepted += c.accepted.Load()
	s.Dialed += c.dialed.Load()
	s.Closed += c.closed.Load()
	s.BytesRead += c.bytesRead.Load()
	s.BytesWritten += c.bytesWritten.Load()
	s.AcceptErrors += c.acceptErrors.Load()
	s.Busy += time.Duration(c.busy.Load())
}
