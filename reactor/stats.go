package reactor

import (
	"sync/atomic"
	"time"
)

// Stats is a snapshot of a reactor's counters, summed over its loops. Each
// counter is updated just after the event it counts, so a snapshot taken
// while connections are active may trail them slightly.
// Counters are int64, like http1.Stats', so that both encode alike (the
// JSON names are in the tags; Busy encodes as nanoseconds).
type Stats struct {
	// Loops is the number of event loops.
	Loops int64 `json:"loops"`
	// Open counts connections open now.
	Open int64 `json:"open"`
	// Accepted counts connections accepted since New.
	Accepted int64 `json:"accepted"`
	// Dialed counts connections dialled since New.
	Dialed int64 `json:"dialed"`
	// Closed counts connections closed since New.
	Closed int64 `json:"closed"`
	// BytesRead counts bytes read from sockets (input discarded while
	// closing is not counted).
	BytesRead int64 `json:"bytes_read"`
	// BytesWritten counts bytes written to sockets.
	BytesWritten int64 `json:"bytes_written"`
	// AcceptErrors counts failed accept calls (other than "try again").
	AcceptErrors int64 `json:"accept_errors"`
	// Busy is the time the loops spent handling events.
	Busy time.Duration `json:"busy_ns"`
}

// counters are one loop's statistics. Each field is written by its loop
// (BytesWritten also by writers on other goroutines) and read by Stats.
type counters struct {
	accepted     atomic.Int64
	dialed       atomic.Int64
	closed       atomic.Int64
	bytesRead    atomic.Int64
	bytesWritten atomic.Int64
	acceptErrors atomic.Int64
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
