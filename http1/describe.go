package http1

import "github.com/shio-rt/shio/reactor"

var phaseNames = [...]string{phaseIdle: "idle", phaseHead: "head", phaseRunning: "running",
	phaseHijacked: "hijacked", phaseEnding: "ending", phaseClosed: "closed"}

// DescribeConn adds the HTTP view of c to a reactor.ConnInfo (see
// reactor.Conns): the protocol, the connection's phase (idle between
// requests, head while one arrives, running while a Handler answers) and
// the requests it carried.
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
	rc.mu.Unlock()
}
