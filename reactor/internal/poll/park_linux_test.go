package poll_test

import (
	"errors"
	"testing"
	"time"

	"github.com/shio-rt/shio/reactor/internal/poll"
	"golang.org/x/sys/unix"
)

func newParkable(t *testing.T) *poll.Poller {
	t.Helper()
	p, err := poll.New()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	if !p.Parkable() {
		t.Fatal("the runtime's netpoller refused the epoll descriptor")
	}
	return p
}

// park runs p.Park in a goroutine and returns its result channel.
func park(p *poll.Poller, events []poll.Event, deadline time.Time) chan [2]any {
	out := make(chan [2]any, 1)
	go func() {
		n, err := p.Park(events, deadline)
		out <- [2]any{n, err}
	}()
	return out
}

func TestParkReturnsOnWakeAndConsumesIt(t *testing.T) {
	p := newParkable(t)
	events := make([]poll.Event, 8)
	res := park(p, events, time.Time{})
	select {
	case r := <-res:
		t.Fatalf("Park returned %v before any event", r)
	case <-time.After(20 * time.Millisecond):
	}
	p.Wake()
	if r := <-res; r[0] != 0 || r[1] != nil {
		t.Fatalf("Park = %v, want 0 events for a wake-up", r)
	}
	if n, err := p.Wait(events, 0); n != 0 || err != nil {
		t.Fatalf("Wait after the wake-up = %d, %v; want it consumed", n, err)
	}
}

func TestParkReturnsEventsWithTheirTag(t *testing.T) {
	p := newParkable(t)
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fds[0])
	defer unix.Close(fds[1])
	if err := p.AddConn(fds[0], 7); err != nil {
		t.Fatal(err)
	}
	events := make([]poll.Event, 8)
	res := park(p, events, time.Now().Add(10*time.Second))
	if _, err := unix.Write(fds[1], []byte("x")); err != nil {
		t.Fatal(err)
	}
	if r := <-res; r[0] != 1 || r[1] != nil || events[0].Pad != 7 || events[0].Events&poll.In == 0 {
		t.Fatalf("Park = %v %+v, want one readable event tagged 7", r, events[0])
	}
	// Edge-triggered: the same readiness is not reported twice, and a
	// parked Park ends at its deadline with nothing.
	begin := time.Now()
	if n, err := p.Park(events, begin.Add(30*time.Millisecond)); n != 0 || err != nil {
		t.Fatalf("second Park = %d, %v; want 0, nil at the deadline", n, err)
	}
	if el := time.Since(begin); el < 30*time.Millisecond {
		t.Fatalf("Park returned after %v, before its deadline", el)
	}
}

func TestParkDeadlinesCanBeRenewedAndCleared(t *testing.T) {
	p := newParkable(t)
	events := make([]poll.Event, 8)
	// A deadline in the past polls once and returns.
	if n, err := p.Park(events, time.Now().Add(-time.Second)); n != 0 || err != nil {
		t.Fatalf("Park with a past deadline = %d, %v", n, err)
	}
	// An expired deadline does not stick: the same and later ones work.
	for range 3 {
		d := time.Now().Add(5 * time.Millisecond)
		if n, err := p.Park(events, d); n != 0 || err != nil {
			t.Fatalf("Park = %d, %v", n, err)
		}
		if time.Now().Before(d) {
			t.Fatal("Park returned before its deadline")
		}
	}
	// No deadline after one expired: Park waits for the wake-up.
	res := park(p, events, time.Time{})
	select {
	case r := <-res:
		t.Fatalf("Park without a deadline returned %v before Wake", r)
	case <-time.After(30 * time.Millisecond):
	}
	p.Wake()
	if r := <-res; r[0] != 0 || r[1] != nil {
		t.Fatalf("Park = %v", r)
	}
}

func TestParkAllocatesNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("allocation counts are process-wide; skipped in -short")
	}
	p := newParkable(t)
	events := make([]poll.Event, 8)
	woken := func() {
		p.Wake()
		p.Park(events, time.Time{})
	}
	if n := testing.AllocsPerRun(100, woken); n > 0 {
		t.Fatalf("%.1f allocations per woken Park, want 0", n)
	}
	parked := func() { p.Park(events, time.Now().Add(100*time.Microsecond)) }
	if n := testing.AllocsPerRun(20, parked); n > 0 {
		t.Fatalf("%.1f allocations per Park that parks until its deadline, want 0", n)
	}
}

func TestParkAfterCloseFails(t *testing.T) {
	p, err := poll.New()
	if err != nil {
		t.Fatal(err)
	}
	p.Close()
	if _, err := p.Park(make([]poll.Event, 1), time.Time{}); !errors.Is(err, poll.ErrClosed) {
		t.Fatalf("Park after Close = %v, want ErrClosed", err)
	}
}
