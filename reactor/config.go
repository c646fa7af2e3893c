package reactor

import (
	"errors"
	"runtime"
	"time"
)

// Config configures a [Reactor]. The zero value is a good server default.
// Fields are read once by [New].
//
// As everywhere in this module, a zero field means its documented
// default, and for the timeouts a negative value means off; a negative
// size or count is an error.
type Config struct {
	// Loops is the number of event loops. Zero means runtime.GOMAXPROCS(0).
	Loops int

	// ReadBufferSize is the size of each loop's scratch read buffer, the
	// most OnData sees from one read. Zero means 64 KiB.
	ReadBufferSize int

	// WriteHighWater is the number of queued outbound bytes past which a
	// connection stops being read until its queue is empty. Zero means
	// 256 KiB.
	WriteHighWater int

	// MaxPending bounds the unconsumed inbound bytes kept for one
	// connection (a message larger than this can never be completed); a
	// connection that exceeds it is closed with [ErrPendingTooLarge]. Zero
	// means 1 MiB.
	MaxPending int

	// IdleTimeout closes a connection that has read and written nothing for
	// this long. Zero means 5 minutes ([DefaultIdleTimeout]); negative
	// means no idle timeout, for protocols that keep their own deadlines
	// (http1 and tcp turn it off).
	IdleTimeout time.Duration

	// LingerTimeout bounds how long a gracefully closed connection waits
	// for the peer's FIN after the reactor has sent its own (so that
	// unread input does not turn the close into a reset that destroys
	// queued output). Zero means 2 s; negative means close at once.
	LingerTimeout time.Duration

	// TimerTick is the resolution of deadlines. Zero means 10 ms.
	TimerTick time.Duration

	// ReusePort gives each loop its own listening socket with SO_REUSEPORT,
	// letting the kernel spread new connections by hash. The default
	// (false) registers one listening socket in every loop with
	// EPOLLEXCLUSIVE, so that a loop that is free accepts the next
	// connection: it follows load (a busy loop does not accept), and
	// closing it loses no connections queued in a per-loop backlog.
	// docs/benchmarks.md compares the two. Outside Linux the field is
	// ignored.
	ReusePort bool

	// BlockingWait makes an idle loop wait for events in epoll_wait(2) on
	// its own OS thread. The default (false) parks the loop's goroutine in
	// the Go runtime's network poller instead (its epoll instance is itself
	// watched by the runtime), so that the thread and its P run other
	// goroutines meanwhile: with GOMAXPROCS=1, a goroutine that a callback
	// started (an http1 Handler, a task) runs at once rather than after the
	// runtime has taken the P back from the blocked thread (20 us to 10 ms
	// later). Parking costs one more epoll_wait per idle period (the
	// runtime's, on top of the loop's two non-blocking ones): a server
	// whose callbacks answer from the loop itself and never start
	// goroutines (a TCP echo) may spend less CPU per message with
	// BlockingWait; docs/benchmarks.md has the measurements behind the
	// default. Outside Linux the field is ignored.
	BlockingWait bool

	// Backlog is the listen(2) backlog. Zero means 4096 (the kernel caps it
	// at net.core.somaxconn).
	Backlog int
}

// DefaultIdleTimeout is the idle timeout of a Config whose IdleTimeout is
// zero.
const DefaultIdleTimeout = 5 * time.Minute

// errConfig reports an invalid Config.
var errConfig = errors.New("reactor: invalid config")

// withDefaults validates c and fills in its zero-value defaults.
func (c Config) withDefaults() (Config, error) {
	if c.Loops < 0 || c.ReadBufferSize < 0 || c.WriteHighWater < 0 || c.MaxPending < 0 ||
		c.TimerTick < 0 || c.Backlog < 0 {
		return c, errConfig
	}
	if c.Loops == 0 {
		c.Loops = runtime.GOMAXPROCS(0)
	}
	if c.ReadBufferSize == 0 {
		c.ReadBufferSize = 64 << 10
	}
	if c.WriteHighWater == 0 {
		c.WriteHighWater = 256 << 10
	}
	if c.MaxPending == 0 {
		c.MaxPending = 1 << 20
	}
	if c.IdleTimeout == 0 {
		c.IdleTimeout = DefaultIdleTimeout
	}
	if c.LingerTimeout == 0 {
		c.LingerTimeout = 2 * time.Second
	}
	if c.TimerTick == 0 {
		c.TimerTick = 10 * time.Millisecond
	}
	if c.Backlog == 0 {
		c.Backlog = 4096
	}
	return c, nil
}
