package reactor

import (
	"sync/atomic"
	"time"

	"github.com/shio-rt/shio/internal/obs"
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
	// Reads counts the read system calls that returned bytes, and
	// DirectReads those of them made by [Conn.TryRead] on its caller's
	// goroutine; Writes counts the system calls that wrote bytes (write,
	// writev, sendfile). BytesRead/Reads is the mean read, and
	// BytesWritten/Writes the mean write.
	Reads       int64 `json:"reads"`
	DirectReads int64 `json:"direct_reads"`
	Writes      int64 `json:"writes"`
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
	reads        atomic.Int64
	directReads  atomic.Int64
	writes       atomic.Int64
	acceptErrors atomic.Int64
	busy         atomic.Int64
	passes       atomic.Int64 // passes that handled work
	events       atomic.Int64 // poller events handled
	passStart    atomic.Int64 // loop clock + 1 at the start of the running pass; 0 while waiting
	passTimes    obs.Histogram
	_            [64]byte // keep loops' counters on separate cache lines
}

// wrote counts one system call that wrote n bytes (n > 0).
func (c *counters) wrote(n int) {
	c.bytesWritten.Add(int64(n))
	c.writes.Add(1)
}

// read counts one system call that read n bytes (n > 0).
func (c *counters) read(n int) {
	c.bytesRead.Add(int64(n))
	c.reads.Add(1)
}

func (c *counters) addTo(s *Stats) {
	s.Accepted += c.accepted.Load()
	s.Dialed += c.dialed.Load()
	s.Closed += c.closed.Load()
	s.BytesRead += c.bytesRead.Load()
	s.BytesWritten += c.bytesWritten.Load()
	s.Reads += c.reads.Load()
	s.DirectReads += c.directReads.Load()
	s.Writes += c.writes.Load()
	s.AcceptErrors += c.acceptErrors.Load()
	s.Busy += time.Duration(c.busy.Load())
}

// LoopStats is a snapshot of one event loop's counters, for monitoring a
// loop apart from the others (see [Reactor.LoopStats]).
type LoopStats struct {
	// Stats are the loop's own counters: Loops is 1 and Open counts the
	// connections on this loop (Accepted + Dialed - Closed).
	Stats
	// Passes counts the loop's passes that handled work (events, posted
	// operations, timers); Events/Passes is the events per wake-up.
	Passes int64 `json:"passes"`
	// Events counts the poller events the loop handled.
	Events int64 `json:"events"`
	// InPass is how long the loop's current pass has been running, zero
	// while it waits for events. It is the loop's heartbeat: a callback
	// that blocks shows here as an InPass that keeps growing.
	InPass time.Duration `json:"in_pass_ns"`
	// PassTimes counts the passes that handled work by how long they ran:
	// PassTimes[i] those up to 1µs<<i, the last one the longer (more than
	// about 8.4s). Their sum is Busy. (Linux only; zero elsewhere.)
	PassTimes [obs.Buckets + 1]int64 `json:"pass_times"`
}

// loopStats fills a LoopStats from one loop's counters; now is the loop
// clock.
func (c *counters) loopStats(now int64) LoopStats {
	var s LoopStats
	c.addTo(&s.Stats)
	s.Loops = 1
	s.Open = s.Accepted + s.Dialed - s.Closed
	s.Passes = c.passes.Load()
	s.Events = c.events.Load()
	s.PassTimes = c.passTimes.Snapshot().Buckets
	if start := c.passStart.Load(); start != 0 {
		s.InPass = time.Duration(max(now-(start-1), 0))
	}
	return s
}
