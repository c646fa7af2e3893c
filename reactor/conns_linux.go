//go:build !reactor_portable

package reactor

import (
	"context"
	"time"
)

func (r *Reactor) connInfos(ctx context.Context, max int) ([]ConnInfo, error) {
	chs := make([]chan []ConnInfo, len(r.loops))
	for i, l := range r.loops {
		ch := make(chan []ConnInfo, 1) // the loop never blocks on it
		chs[i] = ch
		if !l.post(op{kind: opVisit, visit: func(l *loop) { ch <- l.describe(i, max) }}) {
			ch <- nil // stopped
		}
	}
	var out []ConnInfo
	for _, ch := range chs {
		select {
		case infos := <-ch:
			out = append(out, infos...)
		case <-ctx.Done():
			return out, ctx.Err()
		}
	}
	if max > 0 && len(out) > max {
		out = out[:max]
	}
	return out, nil
}

var phaseNames = [...]string{phaseOpen: "open", phaseLingering: "lingering", phaseDead: "dead"}

// describe returns the ConnInfo of up to max of l's connections (all if
// max <= 0). It runs on the loop.
func (l *loop) describe(idx, max int) []ConnInfo {
	var out []ConnInfo
	for _, c := range l.conns {
		if c == nil {
			continue
		}
		if max > 0 && len(out) >= max {
			break
		}
		// The clock is read for each connection: describing 20,000 takes
		// milliseconds, and a describer's own times (a request's age) are
		// read now, so the ages stay comparable.
		now := l.r.clock()
		info := ConnInfo{Loop: idx, Remote: c.remote.String(), Dialed: c.dialed, State: phaseNames[c.phase],
			Age: time.Duration(now - c.opened), Idle: time.Duration(now - c.lastActive),
			BytesIn: c.bytesIn.Load(), BytesOut: c.bytesOut.Load()}
		if c.eof {
			info.State += "+eof"
		}
		if c.paused.Load() {
			info.State += "+paused"
		}
		if c.flag(fBackpressure) {
			info.State += "+backpressure"
		}
		if c.flag(fClosing) {
			info.State += "+closing"
		}
		c.mu.Lock()
		info.Queued = len(c.out) - c.off
		c.mu.Unlock()
		if d, ok := c.h.(ConnDescriber); ok && c.phase == phaseOpen {
			d.DescribeConn(c, &info)
		}
		out = append(out, info)
	}
	return out
}
