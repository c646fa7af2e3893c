package http1

import (
	"time"

	"github.com/shio-rt/shio/internal/obs"
	"github.com/shio-rt/shio/reactor"
)

// requestTask is the name under which the collector counts requests (see
// rconn.begin): at the Counters level each request counts as a task of
// this name, with the time from its bytes' arrival to its Handler's start
// as the first-run delay; at the Full level it is also a task in the live
// table, with an ID (the connections view's owning task), its Handler's
// waits on shio resources, and the tasks its Handler spawns as children.
const requestTask = "http1.request"

var phaseNames = [...]string{phaseIdle: "idle", phaseHead: "head", phaseRunning: "running",
	phaseHijacked: "hijacked", phaseEnding: "ending", phaseClosed: "closed"}

// DescribeConn adds the HTTP view of c to a reactor.ConnInfo (see
// reactor.Conns): the protocol, the connection's phase (idle between
// requests, head while one arrives, running while a Handler answers) and
// the requests it carried; while a Handler runs, the request's age (since
// its bytes arrived) and, at the Full collection level, its task ID.
func (h *reactorHandler) DescribeConn(c *reactor.Conn, info *reactor.ConnInfo) {
	rc, ok := c.Attachment().(*rconn)
	if !ok {
		return
	}
	info.Proto = "http/1.1"
	if h.tls != nil {
		info.Proto = "https/1.1"
	}
	rc.mu.Lock()
	info.Phase = phaseNames[rc.phase]
	info.Requests = rc.reqs
	if rc.phase == phaseRunning && rc.ctx != nil {
		info.Request = time.Duration(max(obs.Now()-rc.reqAt, 0))
		info.Task = rc.ctx.task.ID()
	}
	rc.mu.Unlock()
}

// beginTask records the request of ctx, whose bytes arrived at (an obs.Now
// reading), as a task of the collector, started, in the Task its state
// embeds (no allocation at the Counters level); below the Counters level it
// costs one atomic load.
func beginTask(ctx *requestContext, at int64) {
	if ctx.task.Begin(requestTask, at) {
		ctx.task.Start()
	}
}

// endTask records the end of the request of ctx.
func endTask(ctx *requestContext) {
	if t := ctx.task.Recorded(); t != nil {
		t.Finish(false)
	}
}
