package poll_test

import (
	"net"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/shio-rt/shio/reactor/internal/poll"
	"golang.org/x/sys/unix"
)

func TestWakeInterruptsWaitAndIsConsumed(t *testing.T) {
	p, err := poll.New()
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	events := make([]poll.Event, 8)
	done := make(chan int)
	go func() {
		n, _ := p.Wait(events, -1)
		done <- n
	}()
	p.Wake()
	p.Wake() // coalesced
	if n := <-done; n != 0 {
		t.Fatalf("Wait returned %d events for a wake-up, want 0", n)
	}
	// The wake-up was consumed: a poll now finds nothing.
	if n, err := p.Wait(events, 0); n != 0 || err != nil {
		t.Fatalf("second Wait = %d, %v", n, err)
	}
}

func TestAcceptedConnReportsEdgesWithItsTag(t *testing.T) {
	p, err := poll.New()
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	lfd, addr, err := poll.Listen("tcp", "127.0.0.1:0", false, 16)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(lfd)
	if err := p.AddListener(lfd, poll.TagListener, false); err != nil {
		t.Fatal(err)
	}
	client, err := net.Dial("tcp", addr.String())
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	events := make([]poll.Event, 8)
	n, err := p.Wait(events, 5000)
	if err != nil || n != 1 || events[0].Pad != poll.TagListener {
		t.Fatalf("Wait = %d %v %+v, want the listener's event", n, err, events[0])
	}
	var acc poll.Accepter
	fd, remote, err := acc.Accept(lfd)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fd)
	if remote.String() != client.LocalAddr().String() {
		t.Fatalf("remote %v, want %v", remote, client.LocalAddr())
	}
	if _, _, err := acc.Accept(lfd); err != unix.EAGAIN {
		t.Fatalf("second Accept = %v, want EAGAIN", err)
	}
	if err := p.AddConn(fd, 42); err != nil {
		t.Fatal(err)
	}
	client.Write([]byte("x"))
	deadline := time.Now().Add(5 * time.Second)
	for {
		n, _ = p.Wait(events, 100)
		if n > 0 && events[0].Pad == 42 && events[0].Events&poll.In != 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no readable edge for the connection")
		}
	}
	if got := poll.LocalAddr(fd).String(); got != addr.String() {
		t.Fatalf("LocalAddr %s, want %s", got, addr)
	}
}

func TestReusePortListenersShareAPort(t *testing.T) {
	fd1, addr, err := poll.Listen("tcp", "127.0.0.1:0", true, 16)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fd1)
	fd2, _, err := poll.Listen("tcp", addr.String(), true, 16)
	if err != nil {
		t.Fatalf("second SO_REUSEPORT listener on %s: %v", addr, err)
	}
	unix.Close(fd2)
	if _, _, err := poll.Listen("tcp", addr.String(), false, 16); err == nil {
		t.Fatal("a listener without SO_REUSEPORT bound a port in use")
	}
}

func TestAcceptAllocatesNothing(t *testing.T) {
	lfd, addr, err := poll.Listen("tcp", "127.0.0.1:0", false, 128)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(lfd)
	var acc poll.Accepter
	allocs := testing.AllocsPerRun(1, func() { acc.Accept(lfd) }) // EAGAIN path
	for range 20 {
		c, err := net.Dial("tcp", addr.String())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
	}
	var fds []int
	allocs += testing.AllocsPerRun(10, func() {
		fd, _, err := acc.Accept(lfd)
		if err == nil {
			fds = append(fds[:0], fd)
			unix.Close(fd)
		}
	})
	if allocs != 0 {
		t.Fatalf("Accept allocates %v times", allocs)
	}
}

// TestWakeRacingWithWaitIsNeverLost posts work and wakes the poller from
// another goroutine as a loop would, many times, while the waiter drains
// wake-ups. A wake-up lost in the window between a Wait draining the eventfd
// and clearing its flag would leave the waiter blocked with work pending
// (and mute every later Wake); the waiter's 2 s timeout turns that into a
// failure instead of a hang.
func TestWakeRacingWithWaitIsNeverLost(t *testing.T) {
	p, err := poll.New()
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	const rounds = 200_000
	var posted, taken atomic.Int64
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() { // the waker: post, then wake, like loop.post
		defer close(done)
		for {
			select {
			case <-stop:
				return
			default:
			}
			if posted.Load() == taken.Load() {
				posted.Add(1)
				p.Wake()
			} else {
				runtime.Gosched() // with GOMAXPROCS=1 the waiter needs the P
			}
		}
	}()
	defer func() { close(stop); <-done }()
	events := make([]poll.Event, 8)
	budget := time.Now().Add(3 * time.Second) // enough rounds to hit the window, bounded in time
	for taken.Load() < rounds && time.Now().Before(budget) {
		if posted.Load() > taken.Load() {
			taken.Add(1) // take the work, then wait for more
			continue
		}
		start := time.Now()
		if _, err := p.Wait(events, 2000); err != nil {
			t.Fatal(err)
		}
		if time.Since(start) > time.Second && posted.Load() > taken.Load() {
			t.Fatalf("after %d rounds a wake-up was lost: work is pending and Wait slept until its timeout", taken.Load())
		}
	}
}
