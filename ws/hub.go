package ws

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/shio-rt/shio/broadcast"
)

// Hub writes the messages of a broadcast channel to a set of connections:
// each message is encoded once (a [PreparedMessage], its compressed
// variant made once too) and the same bytes are written to every member.
// One goroutine, the Hub's, does the writing; members hold none.
//
// A member whose outbound queue cannot take the next message is skipped,
// not waited for: the others go on. Its place in the channel is kept by a
// broadcast.Receiver of its own, so when its queue has room again it gets
// the messages it has not had, in order, and if the channel overwrote some
// of them meanwhile (more than its capacity behind) the Hub's OnLag tells
// the member exactly how many it missed (broadcast's *LagError) before
// the next one. A slow member therefore costs the channel's ring, shared,
// and its own queue, bounded by Config.MaxOutbound; never the others' time.
//
// Every member's writes queue (on the reactor, dialed, or served through
// http.Hijacker; see the package's Writing section), so no member makes
// the Hub wait.
//
// A Hub is safe for concurrent use. Close stops its goroutine and waits
// for it.
type Hub struct {
	cfg    HubConfig
	rx     *broadcast.Receiver[*PreparedMessage] // the Hub's own: it wakes the goroutine
	cancel context.CancelFunc
	done   chan struct{}

	mu sync.Mutex
	// Guarded by mu.
	members map[*Conn]*member
	closed  bool
}

// HubConfig configures a Hub. The zero value is usable.
type HubConfig struct {
	// OnLag is called, on the Hub's goroutine, when member c fell so far
	// behind that missed messages were overwritten in the channel before
	// c's queue could take them; the next message c gets is the oldest
	// still kept. It is called once c's queue has room for that message
	// and a notice of up to 256 bytes, which it typically writes with
	// c.TryWriteMessage (it goes out before that next message). It must
	// not call the Hub's Leave for c. Nil: no notice.
	OnLag func(c *Conn, missed uint64)
	// Retry is how often members whose queue was full are looked at again
	// while no new message arrives. Zero means 10 ms.
	Retry time.Duration
}

// member is a connection of a Hub and its place in the channel.
type member struct {
	// mu is held by the Hub's goroutine while it serves the member and by
	// Leave while it closes rx: a Receiver is for one goroutine at a time.
	mu      sync.Mutex
	left    bool // rx is closed
	rx      *broadcast.Receiver[*PreparedMessage]
	pending *PreparedMessage // taken from rx, not yet written: the queue was full
	missed  uint64           // messages lost before pending, not yet reported
}

// noticeRoom is the room kept for OnLag's notice beside the next message.
const noticeRoom = 256

// ErrHubClosed is returned by Hub.Join after Close or once the channel's
// sender has closed.
var ErrHubClosed = errors.New("ws: hub closed")

// NewHub returns a Hub that follows the broadcast channel of rx: it sends
// its members every message sent on the channel after they joined. The
// Hub takes rx over (it closes it when it stops) and gives each member a
// receiver of its own (rx.Resubscribe). The Hub stops once the channel's
// sender has closed and every member has had what was kept, or at Close.
//
//	tx, rx := broadcast.New[*ws.PreparedMessage](64)
//	hub := ws.NewHub(rx, ws.HubConfig{})
//	defer hub.Close()
//	hub.Join(conn) // in OnOpen
//	m, _ := ws.NewPreparedMessage(ws.TextMessage, snapshot)
//	tx.Send(m)     // every member, encoded once
func NewHub(rx *broadcast.Receiver[*PreparedMessage], cfg HubConfig) *Hub {
	if cfg.Retry <= 0 {
		cfg.Retry = 10 * time.Millisecond
	}
	ctx, cancel := context.WithCancel(context.Background())
	h := &Hub{cfg: cfg, rx: rx, cancel: cancel, done: make(chan struct{}),
		members: map[*Conn]*member{}}
	go h.run(ctx)
	return h
}

// Join makes c a member: it gets every message sent from now on. Joining
// twice does nothing. It returns ErrHubClosed once the Hub has stopped.
// A member that closes leaves by itself (at the next message); Leave is
// prompt.
func (h *Hub) Join(c *Conn) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return ErrHubClosed
	}
	if _, ok := h.members[c]; !ok {
		h.members[c] = &member{rx: h.rx.Resubscribe()}
	}
	return nil
}

// Leave removes c from the members; messages not yet written to it are
// dropped.
func (h *Hub) Leave(c *Conn) {
	h.mu.Lock()
	m := h.members[c]
	delete(h.members, c)
	h.mu.Unlock()
	if m != nil {
		m.leave()
	}
}

func (m *member) leave() {
	m.mu.Lock()
	m.left = true
	m.rx.Close()
	m.mu.Unlock()
}

// Len returns the number of members.
func (h *Hub) Len() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.members)
}

// Close stops the Hub and waits for its goroutine; the members'
// connections stay open. Close is idempotent.
func (h *Hub) Close() {
	h.cancel()
	<-h.done
}

// run is the Hub's goroutine: it waits for a message (or, while a member
// is behind, for the retry interval) and serves every member.
func (h *Hub) run(ctx context.Context) {
	defer close(h.done)
	defer h.stop()
	var list []*Conn
	behind, ended := false, false
	retry := time.NewTimer(h.cfg.Retry)
	defer retry.Stop()
	for {
		switch {
		case ended && !behind:
			return // the sender closed and every member has had it all
		case ended:
			retry.Reset(h.cfg.Retry)
			select {
			case <-ctx.Done():
				return
			case <-retry.C:
			}
		default:
			wait := ctx
			cancel := context.CancelFunc(func() {})
			if behind {
				wait, cancel = context.WithTimeout(ctx, h.cfg.Retry)
			}
			_, err := h.rx.Recv(wait)
			cancel()
			if ctx.Err() != nil {
				return
			}
			ended = errors.Is(err, broadcast.ErrClosed)
			for !ended {
				// The Hub's receiver only wakes it: catch up.
				if _, err := h.rx.TryRecv(); err != nil && !isLag(err) {
					ended = errors.Is(err, broadcast.ErrClosed)
					break
				}
			}
		}
		h.mu.Lock()
		list = list[:0]
		for c := range h.members {
			list = append(list, c)
		}
		h.mu.Unlock()
		behind = false
		for _, c := range list {
			h.mu.Lock()
			m := h.members[c]
			h.mu.Unlock()
			if m == nil {
				continue
			}
			switch h.serve(c, m) {
			case served:
			case full:
				behind = true
			case gone:
				h.Leave(c)
			}
		}
	}
}

func isLag(err error) bool {
	var lag *broadcast.LagError
	return errors.As(err, &lag)
}

// outcome is what serving a member came to.
type outcome uint8

const (
	served outcome = iota // it has every message
	full                  // its queue is full: look again later
	gone                  // its connection is closed, or its receiver
)

// serve writes to c the messages it has not had, while its queue has room.
func (h *Hub) serve(c *Conn, m *member) outcome {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.left {
		return gone
	}
	for {
		msg := m.pending
		if msg == nil {
			var err error
			msg, err = m.rx.TryRecv()
			var lag *broadcast.LagError
			switch {
			case errors.As(err, &lag):
				m.missed += lag.Missed
				continue
			case errors.Is(err, broadcast.ErrEmpty):
				return served
			case err != nil:
				return gone
			}
		}
		b := msg.frames
		if !c.client {
			b = msg.framesFor(c)
		}
		need := len(b)
		if m.missed > 0 {
			need += noticeRoom
		}
		if !c.fits(need) {
			m.pending = msg
			return full
		}
		m.pending = nil
		if m.missed > 0 {
			if h.cfg.OnLag != nil {
				h.cfg.OnLag(c, m.missed)
			}
			m.missed = 0
		}
		var err error
		if c.client {
			err = c.writeMessage(nil, msg.typ, msg.payload)
		} else {
			err = c.writeEncoded(nil, b)
		}
		switch {
		case errors.Is(err, ErrClosed):
			return gone
		case errors.Is(err, ErrQueueFull): // a MessageWriter is open: later
			m.pending = msg
			return full
		}
	}
}

// stop ends the Hub: no more members, every receiver closed.
func (h *Hub) stop() {
	h.mu.Lock()
	h.closed = true
	ms := h.members
	h.members = nil
	h.mu.Unlock()
	for _, m := range ms {
		m.leave()
	}
	h.rx.Close()
}
