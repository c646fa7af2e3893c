package poll

import (
	"errors"
	"os"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Tags reserved by the poller. Tags at or above zero belong to the caller.
const (
	// TagWake marks the poller's own eventfd; [Poller.Wait] consumes it and
	// never returns it.
	TagWake int32 = -1
	// TagListener is a convenience tag for a listening socket.
	TagListener int32 = -2
)

// Event is one readiness notification: the registered descriptor (Fd), the
// caller's tag (Pad) and the epoll event bits (Events).
type Event = unix.EpollEvent

// Event bits, re-exported so callers need not import unix.
const (
	In    = unix.EPOLLIN
	Out   = unix.EPOLLOUT
	RDHup = unix.EPOLLRDHUP
	Hup   = unix.EPOLLHUP
	Err   = unix.EPOLLERR
)

// ErrClosed is returned by calls on a closed [Poller].
var ErrClosed = errors.New("poll: poller closed")

// Poller is one epoll instance plus an eventfd used to interrupt
// [Poller.Wait] from other goroutines.
//
// The zero value is not usable; call [New]. A Poller is owned by one
// goroutine (its event loop); only [Poller.Wake] may be called concurrently.
// It holds two file descriptors and a fixed event array.
type Poller struct {
	epfd   int
	wakefd int
	// woken coalesces wake-ups: only the first Wake after the loop consumed
	// the previous one writes to the eventfd.
	woken  atomic.Bool
	wakebf [8]byte
	closed bool

	// park state (see park_linux.go): the epoll descriptor wrapped in an
	// *os.File registered with the Go runtime's netpoller, and what the
	// callback given to raw.Read reads and writes, so that parking
	// allocates nothing.
	file     *os.File
	raw      syscall.RawConn
	parkable bool
	tryFn    func(uintptr) bool
	tryEv    []Event
	tryN     int
	tryErr   unix.Errno
	dl       time.Time // the read deadline set on file
	dlStale  bool      // file's deadline passed or is unknown: set it again
}

// New returns a Poller with its eventfd registered.
func New() (*Poller, error) {
	epfd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return nil, err
	}
	wfd, err := unix.Eventfd(0, unix.EFD_NONBLOCK|unix.EFD_CLOEXEC)
	if err != nil {
		unix.Close(epfd)
		return nil, err
	}
	p := &Poller{epfd: epfd, wakefd: wfd}
	ev := unix.EpollEvent{Events: unix.EPOLLIN, Fd: int32(wfd), Pad: TagWake}
	if err := unix.EpollCtl(epfd, unix.EPOLL_CTL_ADD, wfd, &ev); err != nil {
		unix.Close(wfd)
		unix.Close(epfd)
		return nil, err
	}
	p.initPark()
	return p, nil
}

// AddConn registers a connected socket edge-triggered for reads and peer
// half-close, with the caller's tag (which must be >= 0). Registering a
// socket that is already readable queues an event at once. Writability is
// not watched until [Poller.WatchWrite] asks for it, so that the common
// case (the socket takes every write) costs no extra events.
func (p *Poller) AddConn(fd int, tag int32) error {
	ev := unix.EpollEvent{Events: connEvents, Fd: int32(fd), Pad: tag}
	return unix.EpollCtl(p.epfd, unix.EPOLL_CTL_ADD, fd, &ev)
}

const connEvents = unix.EPOLLIN | unix.EPOLLRDHUP | unix.EPOLLET

// WatchWrite turns the watching of writability of a registered socket on
// or off. Turning it on while the socket is writable queues an event at
// once. It is safe for concurrent use with Wait (epoll_ctl is), but calls
// for one fd must be serialised by the caller.
func (p *Poller) WatchWrite(fd int, tag int32, on bool) error {
	ev := unix.EpollEvent{Events: connEvents, Fd: int32(fd), Pad: tag}
	if on {
		ev.Events |= unix.EPOLLOUT
	}
	return unix.EpollCtl(p.epfd, unix.EPOLL_CTL_MOD, fd, &ev)
}

// AddListener registers a listening socket level-triggered for reads, so a
// caller that accepts a bounded batch per event is told again about the
// rest. With exclusive set (EPOLLEXCLUSIVE), a socket registered in several
// pollers wakes only one of them per new connection.
func (p *Poller) AddListener(fd int, tag int32, exclusive bool) error {
	ev := unix.EpollEvent{Events: unix.EPOLLIN, Fd: int32(fd), Pad: tag}
	if exclusive {
		ev.Events |= unix.EPOLLEXCLUSIVE
	}
	return unix.EpollCtl(p.epfd, unix.EPOLL_CTL_ADD, fd, &ev)
}

// Delete removes fd from the interest list. Closing a descriptor removes it
// too, so Delete is needed only for descriptors that stay open.
func (p *Poller) Delete(fd int) error {
	return unix.EpollCtl(p.epfd, unix.EPOLL_CTL_DEL, fd, nil)
}

// Wait blocks until at least one event is ready, Wake is called, or msec
// milliseconds pass (msec < 0 waits forever, 0 polls). It fills events and
// returns how many it filled; the eventfd's own events are consumed here and
// not returned, so n may be 0 after a wake-up. EINTR is reported as n == 0.
func (p *Poller) Wait(events []Event, msec int) (int, error) {
	if p.closed {
		return 0, ErrClosed
	}
	var n int
	var err error
	if msec == 0 && len(events) > 0 {
		// A poll that cannot block skips the scheduler's syscall
		// bookkeeping (and the hand-off of the P it may cause).
		r, _, e := unix.RawSyscall6(unix.SYS_EPOLL_PWAIT, uintptr(p.epfd), uintptr(unsafe.Pointer(&events[0])), uintptr(len(events)), 0, 0, 0)
		n = int(r)
		if e != 0 {
			err = e
		}
	} else {
		n, err = unix.EpollWait(p.epfd, events, msec)
	}
	if err != nil {
		if err == unix.EINTR {
			return 0, nil
		}
		return 0, err
	}
	return p.consumeWake(events, n), nil
}

// consumeWake removes the eventfd's event, if any, from the first n of
// events, re-arms Wake, and returns how many events are left.
func (p *Poller) consumeWake(events []Event, n int) int {
	for i := 0; i < n; i++ {
		if events[i].Pad != TagWake {
			continue
		}
		// Drain first, then clear the flag. The other order loses wake-ups:
		// a Wake between the clear and the read would write, the read would
		// swallow that write, and epoll (which re-checks readiness) would
		// report nothing, while woken stayed true and muted every later
		// Wake. In this order a Wake before the clear finds woken set and
		// skips its write, which is safe because the caller has not yet
		// looked at the work that Wake announced; a Wake after the clear
		// writes, and the next Wait returns at once.
		unix.Read(p.wakefd, p.wakebf[:])
		p.woken.Store(false)
		n--
		events[i] = events[n]
		break
	}
	return n
}

// wakeOne is what Wake adds to the eventfd's counter. It is a package
// variable so that Wake allocates nothing even where the buffer would
// escape (the race detector's build of unix.Write).
var wakeOne = [8]byte{1}

// Wake makes the current or next Wait return. It is safe for concurrent use
// and cheap when repeated: wake-ups between two Waits cost one write(2).
func (p *Poller) Wake() error {
	if !p.woken.CompareAndSwap(false, true) {
		return nil
	}
	_, err := unix.Write(p.wakefd, wakeOne[:])
	if err == unix.EAGAIN { // counter saturated: a wake-up is pending anyway
		err = nil
	}
	return err
}

// Close releases the epoll instance and the eventfd. It must not race with
// Wait; Wake after Close is harmless only if the descriptor number has not
// been reused, so owners stop all wakers first.
func (p *Poller) Close() error {
	if p.closed {
		return ErrClosed
	}
	p.closed = true
	e1 := unix.Close(p.wakefd)
	e2 := p.file.Close() // closes epfd and removes it from the netpoller
	return errors.Join(e1, e2)
}
