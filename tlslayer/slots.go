package tlslayer

import (
	"slices"
	"time"
)

// This file is the Handshaker's slots: at most MaxHandshakes handshakes
// run at once, each on a pooled goroutine; the others wait in a queue
// holding no goroutine, and a running handshake that keeps a slot only to
// wait on a silent peer is shed when others wait.

// admit runs l's handshake if a slot is free, or queues it. It is called
// with no lock held, once l's timer is armed (startLocked).
func (h *Handshaker) admit(l *Conn) {
	h.mu.Lock()
	l.mu.Lock()
	if max := h.max(); max < 0 || len(h.running) < max {
		h.runLocked(l)
		l.mu.Unlock()
		h.mu.Unlock()
		h.start(l)
		return
	}
	if l.closed || l.hs.expire {
		err := ErrClosed
		if l.hs.expire {
			err = ErrHandshakeTimeout
		}
		paused := l.endLocked(err) // unlocks
		h.mu.Unlock()
		l.wake(paused)
		return
	}
	l.hs.queued = true
	h.queue = append(h.queue, l)
	l.mu.Unlock()
	h.shedLocked(time.Now())
	h.mu.Unlock()
}

// runLocked gives l a slot. Both h.mu and l.mu are held.
func (h *Handshaker) runLocked(l *Conn) {
	l.hs.queued = false
	l.hs.slot = len(h.running)
	l.hs.sig = make(chan struct{}, 1)
	h.running = append(h.running, l)
	h.active.Add(1)
}

// start runs l's handshake on a pooled goroutine.
func (h *Handshaker) start(l *Conn) {
	h.poolOnce.Do(func() { h.pool.Run = (*Conn).handshake })
	h.pool.Go(l)
}

// release frees l's slot at the end of its handshake (shed: it was told
// to end to make room) and starts the newest waiting handshakes in the
// freed slots. Newest first, so that under a flood a client that has just
// arrived is served before those whose timeouts are near.
func (h *Handshaker) release(l *Conn, shed bool) {
	h.mu.Lock()
	i := l.hs.slot
	last := h.running[len(h.running)-1]
	h.running[i] = last
	last.hs.slot = i
	h.running[len(h.running)-1] = nil
	h.running = h.running[:len(h.running)-1]
	l.hs.slot = -1
	h.active.Add(-1)
	if shed {
		h.shedding--
	}
	var next []*Conn
	for len(h.queue) > 0 && (h.max() < 0 || len(h.running) < h.max()) {
		n := h.queue[len(h.queue)-1]
		h.queue[len(h.queue)-1] = nil
		h.queue = h.queue[:len(h.queue)-1]
		n.mu.Lock()
		h.runLocked(n)
		n.mu.Unlock()
		next = append(next, n)
	}
	if len(h.queue) == 0 {
		h.queue = nil // let a flood's backing array go
	}
	h.mu.Unlock()
	for _, n := range next {
		h.start(n)
	}
}

// unqueueLocked removes a waiting l from the queue. Both h.mu and l.mu are
// held.
func (h *Handshaker) unqueueLocked(l *Conn) {
	if i := slices.Index(h.queue, l); i >= 0 {
		h.queue = slices.Delete(h.queue, i, i+1)
	}
	if len(h.queue) == 0 {
		h.queue = nil
	}
	l.hs.queued = false
}

// shedLocked ends, for each waiting connection not yet matched by one,
// the running handshake that has waited longest on its peer, if that is
// longer than shedAfter; otherwise it arms a timer to look again when one
// will have. h.mu is held.
func (h *Handshaker) shedLocked(now time.Time) {
	grace := h.shedAfter()
	for len(h.queue) > h.shedding {
		var victim *Conn
		var oldest time.Time
		for _, r := range h.running {
			r.mu.Lock()
			w := r.hs.waiting
			if !r.hs.shed && !w.IsZero() && (oldest.IsZero() || w.Before(oldest)) {
				victim, oldest = r, w
			}
			r.mu.Unlock()
		}
		if victim == nil || now.Sub(oldest) < grace {
			next := grace
			if victim != nil {
				next = grace - now.Sub(oldest)
			}
			h.armShedLocked(next)
			return
		}
		victim.mu.Lock()
		victim.hs.shed = true
		victim.signalLocked()
		victim.mu.Unlock()
		h.shedding++
	}
}

// armShedLocked makes shedLocked run again after d, unless a timer is
// already armed. h.mu is held.
func (h *Handshaker) armShedLocked(d time.Duration) {
	if h.shedTimer != nil {
		return
	}
	h.shedTimer = time.AfterFunc(d, func() {
		h.mu.Lock()
		h.shedTimer = nil
		h.shedLocked(time.Now())
		h.mu.Unlock()
	})
}
