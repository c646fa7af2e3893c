package reactor

import (
	"context"
	"time"
)

// ConnInfo describes one connection, for monitoring (see [Reactor.Conns]).
type ConnInfo struct {
	// Loop is the index of the event loop the connection is on.
	Loop int `json:"loop"`
	// Remote is the peer's address; Dialed reports a connection the
	// reactor dialled rather than accepted.
	Remote string `json:"remote"`
	Dialed bool   `json:"dialed,omitempty"`
	// State is "open", "lingering" (closed, draining the peer's input) or
	// "dead", followed by what holds it: "+eof" (the peer's FIN was read),
	// "+paused" (PauseRead), "+backpressure" (the output queue passed the
	// high-water mark), "+closing" (Close was called).
	State string `json:"state"`
	// Age is the time since the loop took the connection; Idle the time
	// since its last read or write (both to the loop's clock, which is
	// read once per pass).
	Age  time.Duration `json:"age_ns"`
	Idle time.Duration `json:"idle_ns"`
	// BytesIn and BytesOut count what was read from and written to the
	// socket; Queued is the output waiting for the socket.
	BytesIn  int64 `json:"bytes_in"`
	BytesOut int64 `json:"bytes_out"`
	Queued   int   `json:"queued,omitempty"`

	// Filled by the handler, if it is a [ConnDescriber]: the protocol, the
	// protocol's own state of the connection and the requests it carried;
	// while a request runs, its age (Request) and the ID of the task that
	// owns the connection (Task; zero if none is recorded).
	Proto    string        `json:"proto,omitempty"`
	Phase    string        `json:"phase,omitempty"`
	Requests int64         `json:"requests,omitempty"`
	Request  time.Duration `json:"request_ns,omitempty"`
	Task     uint64        `json:"task,omitempty"`
}

// A ConnDescriber is a [Handler] that adds its own view of a connection to
// the [ConnInfo] of [Reactor.Conns]. DescribeConn runs on the connection's
// loop, between callbacks; it must be quick, must not block, and must not
// call c's methods other than Attachment and the address methods.
type ConnDescriber interface {
	DescribeConn(c *Conn, info *ConnInfo)
}

// Conns returns a description of up to max connections (all if max <= 0),
// in loop order, for monitoring. Each loop describes its own connections
// between two passes, so a loop that is blocked in a callback delays the
// answer.
//
// Outside Linux (and with the reactor_portable build tag), where each
// connection has a goroutine of its own, the connections are listed oldest
// first (all on loop 0), each described between two of its callbacks; its
// idle time is not tracked there (zero).
//
// # Cancellation
//
// If ctx ends before every loop has answered, Conns returns what it has and
// ctx.Err(); the loops that answer later are not waited for. If ctx is
// done already, it returns ctx.Err() at once.
func (r *Reactor) Conns(ctx context.Context, max int) ([]ConnInfo, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return r.connInfos(ctx, max)
}
