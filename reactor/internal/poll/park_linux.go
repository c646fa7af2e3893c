package poll

import (
	"errors"
	"os"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// initPark wraps the epoll descriptor in an *os.File so that the Go
// runtime's own netpoller watches it: an epoll descriptor is readable while
// its ready list is not empty. If the runtime refuses the descriptor, the
// Poller still works and [Poller.Park] falls back to a blocking Wait.
func (p *Poller) initPark() {
	// The runtime polls only descriptors in non-blocking mode. The flag
	// changes nothing for epoll_wait, which blocks by its timeout alone.
	nonblock := unix.SetNonblock(p.epfd, true) == nil
	p.file = os.NewFile(uintptr(p.epfd), "epoll")
	p.tryFn = p.try
	if !nonblock {
		return
	}
	raw, err := p.file.SyscallConn()
	if err != nil {
		return
	}
	// SetReadDeadline fails (os.ErrNoDeadline) for a file the netpoller
	// does not watch.
	if p.file.SetReadDeadline(time.Time{}) != nil {
		return
	}
	p.raw = raw
	p.parkable = true
}

// Parkable reports whether [Poller.Park] parks in the Go runtime's
// netpoller (true on every Linux kernel shio supports) rather than falling
// back to a blocking [Poller.Wait].
func (p *Poller) Parkable() bool { return p.parkable }

// Park is [Poller.Wait] for a goroutine that must not hold its OS thread
// while it waits. It polls the epoll instance; if nothing is ready it parks
// the calling goroutine in the Go runtime's netpoller until the instance
// has events, [Poller.Wake] is called, or deadline passes (the zero Time
// waits without limit), and polls again. Meanwhile the thread and its P
// run other goroutines: with GOMAXPROCS=1, a goroutine made runnable by the
// events a loop just handled runs at once instead of waiting for the
// runtime to take the P back from a thread blocked in epoll_wait.
//
// It returns the events like Wait does, and n == 0 with a nil error when
// the deadline passes. Park allocates nothing; it sets the deadline on the
// runtime's timer only when it differs from the last one set.
func (p *Poller) Park(events []Event, deadline time.Time) (int, error) {
	if p.closed {
		return 0, ErrClosed
	}
	if !p.parkable || len(events) == 0 {
		msec := -1
		if !deadline.IsZero() {
			d := time.Until(deadline)
			msec = max(int((d+time.Millisecond-1)/time.Millisecond), 0)
		}
		return p.Wait(events, msec)
	}
	if p.dlStale || !deadline.Equal(p.dl) {
		if err := p.file.SetReadDeadline(deadline); err != nil {
			p.dlStale = true
			return 0, err
		}
		p.dl = deadline
		p.dlStale = false
	}
	p.tryEv = events
	err := p.raw.Read(p.tryFn)
	p.tryEv = nil
	if err != nil {
		if errors.Is(err, os.ErrDeadlineExceeded) {
			// The runtime keeps reporting an expired deadline until a
			// new one is set.
			p.dlStale = true
			return 0, nil
		}
		return 0, err
	}
	if p.tryErr != 0 {
		if p.tryErr == unix.EINTR {
			return 0, nil
		}
		return 0, p.tryErr
	}
	return p.consumeWake(events, p.tryN), nil
}

// try is the callback Park gives to the runtime: one epoll_pwait that
// cannot block. It reports true (stop waiting) when it found events or
// failed.
func (p *Poller) try(fd uintptr) bool {
	ev := p.tryEv
	r, _, e := unix.RawSyscall6(unix.SYS_EPOLL_PWAIT, fd, uintptr(unsafe.Pointer(&ev[0])), uintptr(len(ev)), 0, 0, 0)
	p.tryN, p.tryErr = int(r), e
	if e != 0 {
		p.tryN = 0
		return true
	}
	return r > 0
}
