//go:build !reactor_portable

package reactor

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/shio-rt/shio/reactor/internal/poll"
	"github.com/shio-rt/shio/reactor/internal/wheel"
	"golang.org/x/sys/unix"
)

// opKind is a request posted to a loop by another goroutine.
type opKind uint8

const (
	opOpen        opKind = iota // register c (accepted elsewhere, or dialled)
	opClose                     // c.Close was called outside a callback
	opSettle                    // re-evaluate c: deadlines, CloseWrite
	opResume                    // c.ResumeRead
	opWake                      // c.WakeLayer
	opFail                      // a write outside the loop failed; close with c.err
	opHandoff                   // c.Handoff was called outside a callback
	opListen                    // start accepting on ln
	opUnlisten                  // stop accepting on every listener
	opUnlistenOne               // stop accepting on ln
	opShutdown                  // drain every connection
	opStop                      // close every connection and exit
	opVisit                     // run visit on the loop (Reactor.Conns)
)

// op is one posted request.
type op struct {
	kind  opKind
	c     *Conn
	ln    *listener
	done  chan error // opOpen: told when OnOpen has returned (or failed)
	visit func(*loop)
}

// loop is one event loop: a goroutine, a poller, its connections.
type loop struct {
	r     *Reactor
	p     *poll.Poller
	acc   poll.Accepter
	buf   []byte // scratch read buffer
	conns []*Conn
	free  []int32 // free slots in conns
	wheel *wheel.Wheel
	lns   []*listener
	now   int64    // loop clock, refreshed once per pass
	spare [][]byte // free list for inbound leftovers
	// again lists connections that stopped reading at maxReads with input
	// left; each pass reads them once more.
	again, againNext []*Conn
	// wbuf collects what a callback writes to its connection; it is
	// guarded by that connection's mu and flushed when the callback ends.
	wbuf []byte
	// lbuf is the scratch buffer layers decode into (Layer.Input's dst).
	lbuf  []byte
	stats counters

	shutting   bool  // Shutdown began: new connections are drained at once
	exiting    bool  // opStop was handled: exit after this pass
	relistenAt int64 // when to re-register listeners after an accept error

	mu sync.Mutex
	// Guarded by mu.
	inbox   []op
	stopped bool // the loop has exited; post fails
	pending atomic.Int32
}

func newLoop(r *Reactor) (*loop, error) {
	p, err := poll.New()
	if err != nil {
		return nil, err
	}
	l := &loop{r: r, p: p, buf: make([]byte, r.cfg.ReadBufferSize)}
	l.wheel = wheel.New(r.cfg.TimerTick, 512, r.clock())
	return l, nil
}

// post hands an op to the loop and wakes it. It reports false if the loop
// has exited.
func (l *loop) post(o op) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.stopped {
		return false
	}
	l.inbox = append(l.inbox, o)
	l.pending.Add(1)
	l.p.Wake() // under mu, so it never races with the poller's Close
	return true
}

func (l *loop) run() {
	defer l.r.wg.Done()
	events := make([]poll.Event, 256)
	var batch []op
	busy := false // the last pass had work: poll once more before blocking
	for {
		if busy {
			// Before blocking, yield once and poll again: under load the
			// next events are usually a few microseconds away, and a
			// blocking wait costs two context switches. Park polls before
			// it parks, so a loop that parks needs no poll of its own.
			runtime.Gosched()
			if l.r.cfg.BlockingWait {
				n, err := l.p.Wait(events, 0)
				if err == nil && n > 0 {
					l.pass(events[:n], &batch)
					if l.exiting {
						l.exit()
						return
					}
					continue
				}
			}
			busy = false
		}
		n, err := l.wait(events)
		if err != nil {
			// The poller is broken (never expected): fail every
			// connection rather than spin.
			l.stopAll(err)
			l.exit()
			return
		}
		busy = l.pass(events[:n], &batch)
		if l.exiting {
			l.exit()
			return
		}
	}
}

// wait waits for the next events, until the earliest timer (a deadline on
// the wheel, or the re-listen after an accept error) is due.
func (l *loop) wait(events []poll.Event) (int, error) {
	if l.pending.Load() > 0 || len(l.again) > 0 {
		return l.p.Wait(events, 0)
	}
	var due int64 // loop clock; 0: none
	if next, ok := l.wheel.Next(); ok {
		due = next
	}
	if l.relistenAt != 0 && (due == 0 || l.relistenAt < due) {
		due = l.relistenAt
	}
	if !l.r.cfg.BlockingWait {
		var deadline time.Time
		if due != 0 {
			deadline = l.r.start.Add(time.Duration(due))
		}
		return l.p.Park(events, deadline)
	}
	msec := -1
	if due != 0 {
		d := due - l.r.clock()
		msec = max(int((d+int64(time.Millisecond)-1)/int64(time.Millisecond)), 0)
	}
	return l.p.Wait(events, msec)
}

// pass handles one batch of events, the inbox and the timers, and reports
// whether there was any work.
func (l *loop) pass(events []poll.Event, batch *[]op) bool {
	l.now = l.r.clock()
	start := l.now
	l.stats.passStart.Store(start + 1)
	for i := range events {
		ev := &events[i]
		if ev.Pad >= 0 {
			l.event(ev)
		} else {
			l.accept(ev)
		}
	}
	again := len(l.again)
	if again > 0 {
		l.readAgain()
	}
	ops := 0
	if l.pending.Load() > 0 {
		l.mu.Lock()
		b := *batch
		b, l.inbox = l.inbox, b[:0]
		l.pending.Store(0)
		l.mu.Unlock()
		for i := range b {
			l.do(&b[i])
			b[i] = op{}
		}
		ops = len(b)
		*batch = b
	}
	l.wheel.Advance(l.now, l.expire)
	if l.relistenAt != 0 && l.now >= l.relistenAt {
		l.relisten()
	}
	work := len(events) > 0 || ops > 0 || again > 0
	l.stats.passStart.Store(0)
	if work {
		d := l.r.clock() - start
		l.stats.busy.Add(d)
		l.stats.passTimes.Observe(0, d)
		l.stats.passes.Add(1)
		l.stats.events.Add(int64(len(events)))
	}
	return work
}

// readAgain reads, once more, the connections that hit maxReads.
func (l *loop) readAgain() {
	list := l.again
	l.again = l.againNext[:0]
	for i, c := range list {
		list[i] = nil
		c.again = false
		if c.phase != phaseDead {
			l.read(c, 0)
		}
	}
	l.againNext = list[:0]
}

// exit marks the loop stopped and releases its poller. Ops posted
// concurrently are refused from here on.
func (l *loop) exit() {
	l.mu.Lock()
	l.stopped = true
	for _, o := range l.inbox {
		switch o.kind {
		case opListen:
			o.ln.release()
		case opUnlistenOne:
			o.done <- nil
		}
		if o.kind == opOpen {
			o.c.mu.Lock()
			o.c.closed = true
			o.c.phase = phaseDead
			unix.Close(o.c.fd)
			o.c.mu.Unlock()
			if o.done != nil {
				o.done <- ErrReactorClosed
			}
		}
	}
	l.inbox = nil
	l.p.Close()
	l.mu.Unlock()
	for _, ln := range l.lns {
		if ln != nil {
			ln.release()
		}
	}
	l.lns = nil
}

func (l *loop) do(o *op) {
	c := o.c
	switch o.kind {
	case opOpen:
		err := l.open(c)
		if o.done != nil {
			o.done <- err
		}
	case opClose, opSettle:
		if c.phase != phaseDead && c.loop == l {
			l.settle(c, nil)
		}
	case opResume:
		if c.phase == phaseOpen {
			l.resume(c)
		}
	case opWake:
		if c.phase == phaseOpen && c.layer != nil {
			if c.readStopped() {
				c.layerWake = true // resume calls Input when reading resumes
				return
			}
			l.resume(c)
		}
	case opVisit:
		o.visit(l)
	case opHandoff:
		if c.phase == phaseOpen && c.flag(fHanding) {
			l.switchHandler(c)
		}
	case opFail:
		if c.phase != phaseDead {
			c.mu.Lock()
			err := c.err
			c.mu.Unlock()
			l.closeNow(c, err)
		}
	case opListen:
		l.listen(o.ln)
	case opUnlisten:
		l.unlisten()
	case opUnlistenOne:
		l.unlistenOne(o.ln)
		o.done <- nil
	case opShutdown:
		l.unlisten()
		l.shutdown()
	case opStop:
		l.unlisten()
		l.stopAll(ErrReactorClosed)
		l.exiting = true
	}
}

// open registers c with this loop and calls OnOpen.
func (l *loop) open(c *Conn) error {
	var idx int32
	if n := len(l.free); n > 0 {
		idx = l.free[n-1]
		l.free = l.free[:n-1]
	} else {
		idx = int32(len(l.conns))
		l.conns = append(l.conns, nil)
	}
	c.idx = idx
	c.loop = l
	if err := l.p.AddConn(c.fd, idx); err != nil {
		unix.Close(c.fd)
		c.phase = phaseDead
		c.closed = true
		l.free = append(l.free, idx)
		return err
	}
	l.conns[idx] = c
	c.lastActive = l.now
	c.opened = l.now
	l.r.open.Add(1)
	if c.dialed {
		l.stats.dialed.Add(1)
	} else {
		l.stats.accepted.Add(1)
	}
	c.h = l.r.h
	l.enter(c)
	c.h.OnOpen(c)
	l.leave(c)
	if l.shutting && c.phase == phaseOpen {
		l.drain(c)
	}
	return nil
}

func (l *loop) shutdown() {
	l.shutting = true
	for _, c := range l.conns {
		if c != nil && c.phase == phaseOpen {
			l.drain(c)
		}
	}
}

func (l *loop) stopAll(err error) {
	for _, c := range l.conns {
		if c != nil {
			l.closeNow(c, err)
		}
	}
}
