package tcp

import (
	"sync"
	"time"
)

// deadline is a settable point in time with a channel that is closed when
// it passes. The zero value has no deadline and no channel: the channel is
// made by the first set to a time, so that a connection whose deadlines are
// never set (an idle WebSocket's, usually) holds none. It is safe for
// concurrent use; a waiter that found no channel must be woken by whoever
// sets one (see Conn.SetReadDeadline).
type deadline struct {
	mu     sync.Mutex // guards timer and cancel
	timer  *time.Timer
	cancel chan struct{} // closed when the deadline passes; nil before the first set to a time
}

// set moves the deadline to t; the zero t means none.
func (d *deadline) set(t time.Time) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.timer != nil && !d.timer.Stop() {
		<-d.cancel // the timer fired: wait for it to close cancel
	}
	d.timer = nil
	closed := d.cancel != nil && isClosed(d.cancel)
	if t.IsZero() {
		if closed {
			d.cancel = make(chan struct{})
		}
		return
	}
	if d.cancel == nil || closed {
		d.cancel = make(chan struct{})
	}
	if dur := time.Until(t); dur > 0 {
		cancel := d.cancel
		d.timer = time.AfterFunc(dur, func() { close(cancel) })
		return
	}
	close(d.cancel)
}

// wait returns a channel that is closed when the deadline passes, nil if
// no deadline was ever set.
func (d *deadline) wait() chan struct{} {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.cancel
}

func isClosed(c chan struct{}) bool {
	select {
	case <-c:
		return true
	default:
		return false
	}
}
