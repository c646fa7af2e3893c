//go:build !linux || reactor_portable

package reactor

import (
	"context"
	"slices"
	"time"
)

// portableEpoch is the origin of the portable reactor's Conn.opened.
var portableEpoch = time.Now()

// portableClock returns the time since portableEpoch (never 0).
func portableClock() int64 { return int64(time.Since(portableEpoch)) + 1 }

// connInfos describes the connections, the oldest first: each between two
// of its callbacks (its goroutine is its loop), so a callback that blocks
// delays the answer, up to ctx.
func (r *Reactor) connInfos(ctx context.Context, max int) ([]ConnInfo, error) {
	r.mu.Lock()
	cs := make([]*Conn, 0, len(r.conns))
	for c := range r.conns {
		cs = append(cs, c)
	}
	r.mu.Unlock()
	slices.SortFunc(cs, func(a, b *Conn) int {
		switch {
		case a.opened < b.opened:
			return -1
		case a.opened > b.opened:
			return 1
		}
		return 0
	})
	var out []ConnInfo
	for _, c := range cs {
		if max > 0 && len(out) >= max {
			break
		}
		info, err := c.describe(ctx)
		if err != nil {
			return out, err
		}
		out = append(out, info)
	}
	return out, nil
}

// describe returns c's ConnInfo. Its idle time is not tracked here (zero).
func (c *Conn) describe(ctx context.Context) (ConnInfo, error) {
	// Between callbacks: cb is held while one runs. Waiting is polled
	// (a sync.Mutex takes no context), only while a callback runs.
	for !c.cb.TryLock() {
		t := time.NewTimer(time.Millisecond)
		select {
		case <-ctx.Done():
			t.Stop()
			return ConnInfo{}, ctx.Err()
		case <-t.C:
		}
	}
	info := ConnInfo{Dialed: c.dialed, State: "open", Age: time.Duration(portableClock() - c.opened),
		BytesIn: c.bytesIn.Load(), BytesOut: c.bytesOut.Load()}
	if a := c.nc.RemoteAddr(); a != nil {
		info.Remote = a.String()
	}
	c.mu.Lock()
	closed := c.closed
	c.mu.Unlock()
	if c.eof {
		info.State += "+eof"
	}
	if c.paused.Load() {
		info.State += "+paused"
	}
	if closed {
		info.State += "+closing"
	}
	if d, ok := c.h.(ConnDescriber); ok && !closed {
		d.DescribeConn(c, &info)
	}
	c.unlockCB() // and a hand-off requested meanwhile
	return info, nil
}
