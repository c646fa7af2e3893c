//go:build !reactor_portable

package reactor

import (
	"net"
	"net/netip"
	"sync"
	"sync/atomic"

	"github.com/shio-rt/shio/reactor/internal/poll"
	"golang.org/x/sys/unix"
)

// listener is one listening socket, registered in one loop (SO_REUSEPORT)
// or in every loop (shared, EPOLLEXCLUSIVE). The last loop to let go of it
// closes it.
type listener struct {
	fd     int
	shared bool
	refs   atomic.Int32
	pub    *Listener // what Conn.Listener reports
}

// listenerSys is the Linux part of a Listener.
type listenerSys struct {
	r    *Reactor
	ad   *net.TCPAddr
	lns  []*listener // one per loop with SO_REUSEPORT, else one shared
	once sync.Once
}

func (ln *Listener) addr() net.Addr { return ln.ad }

func (ln *Listener) close() {
	ln.once.Do(func() {
		done := make(chan error, len(ln.r.loops))
		posted := 0
		for i, l := range ln.r.loops {
			one := ln.lns[0]
			if len(ln.lns) > 1 {
				one = ln.lns[i]
			}
			if l.post(op{kind: opUnlistenOne, ln: one, done: done}) {
				posted++
			}
		}
		for range posted {
			<-done
		}
	})
}

// unlistenOne stops accepting on ln in this loop.
func (l *loop) unlistenOne(ln *listener) {
	for i, x := range l.lns {
		if x == ln {
			l.p.Delete(ln.fd)
			ln.release()
			l.lns[i] = nil
		}
	}
}

func (ln *listener) release() {
	if ln.refs.Add(-1) == 0 {
		unix.Close(ln.fd)
	}
}

// relistenDelay is how long a loop leaves a listener out of its poller
// after an accept error such as EMFILE, instead of spinning on it.
const relistenDelay = int64(100e6) // 100 ms

// listen starts accepting on ln in this loop.
func (l *loop) listen(ln *listener) {
	tag := poll.TagListener - int32(len(l.lns))
	if err := l.p.AddListener(ln.fd, tag, ln.shared); err != nil {
		l.stats.acceptErrors.Add(1)
		ln.release()
		return
	}
	l.lns = append(l.lns, ln)
}

// unlisten stops accepting on every listener of this loop.
func (l *loop) unlisten() {
	for _, ln := range l.lns {
		if ln != nil {
			l.p.Delete(ln.fd)
			ln.release()
		}
	}
	l.lns = nil
	l.relistenAt = 0
}

// accept accepts a batch of connections from the listener behind ev and
// opens them on this loop.
func (l *loop) accept(ev *poll.Event) {
	k := int(poll.TagListener - ev.Pad)
	if k < 0 || k >= len(l.lns) || l.lns[k] == nil {
		return
	}
	ln := l.lns[k]
	for range 64 {
		fd, remote, err := l.acc.Accept(ln.fd)
		if err == unix.EAGAIN {
			return
		}
		if err != nil {
			// Out of descriptors or memory: step back for a moment
			// rather than spin on a level-triggered listener.
			l.stats.acceptErrors.Add(1)
			l.p.Delete(ln.fd)
			l.relistenAt = l.now + relistenDelay
			return
		}
		l.open(&Conn{ln: ln.pub, connSys: connSys{fd: fd, remote: remote, loop: l}})
	}
}

// relisten re-registers listeners taken out after accept errors.
func (l *loop) relisten() {
	l.relistenAt = 0
	for i, ln := range l.lns {
		if ln != nil {
			l.p.Delete(ln.fd) // harmless when it is not registered
			if err := l.p.AddListener(ln.fd, poll.TagListener-int32(i), ln.shared); err != nil {
				l.stats.acceptErrors.Add(1)
			}
		}
	}
}

// addrPort converts a net.Addr to a netip.AddrPort when it is TCP.
func addrPort(a net.Addr) netip.AddrPort {
	if t, ok := a.(*net.TCPAddr); ok {
		return t.AddrPort()
	}
	return netip.AddrPort{}
}
