package mpsc_test

import (
	"context"
	"errors"
	"runtime"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/shio-rt/shio/mpsc"
)

// These tests hammer the races the lock-free fast paths introduce: a
// receiver parking while a sender publishes, a sender parking while the
// receiver drains, and the last slot being released while receivers park on
// a closed channel. A lost wake-up shows as a call that never returns, which
// the deadline turns into a failure.

const hangDeadline = 20 * time.Second

func TestRecvParkingRacesALockFreeSend(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), hangDeadline)
	defer cancel()
	for _, capacity := range []int{1, 4} {
		tx, rx := mpsc.New[int](capacity)
		for i := range 5000 {
			got := make(chan int, 1)
			go func() {
				v, err := rx.Recv(ctx) // often parks on the empty channel
				if err != nil {
					t.Errorf("Recv %d: %v", i, err)
				}
				got <- v
			}()
			if err := tx.Send(ctx, i); err != nil {
				t.Fatalf("Send %d: %v", i, err)
			}
			if v := <-got; v != i {
				t.Fatalf("received %d, want %d", v, i)
			}
		}
		tx.Close()
	}
}

func TestSenderParkingRacesTheReceiverDraining(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), hangDeadline)
	defer cancel()
	for _, capacity := range []int{1, 3} {
		const n = 10000
		tx, rx := mpsc.New[int](capacity)
		go func() {
			defer tx.Close()
			for i := range n {
				if err := tx.Send(ctx, i); err != nil { // often finds the ring full
					t.Errorf("Send %d: %v", i, err)
					return
				}
			}
		}()
		for i := range n {
			var v int
			var err error
			if i%2 == 0 {
				v, err = rx.Recv(ctx)
			} else {
				for v, err = rx.TryRecv(); errors.Is(err, mpsc.ErrEmpty); v, err = rx.TryRecv() {
					if ctx.Err() != nil {
						t.Fatal("TryRecv never found a value")
					}
					runtime.Gosched() // with GOMAXPROCS=1 the sender needs the P
				}
			}
			if err != nil || v != i {
				t.Fatalf("receive %d: %d, %v", i, v, err)
			}
		}
		if _, err := rx.Recv(ctx); !errors.Is(err, mpsc.ErrClosed) {
			t.Fatalf("Recv after the last value: %v", err)
		}
	}
}

func TestManySendersAndReceiversOnATinyRing(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), hangDeadline)
	defer cancel()
	const senders, perSender, receivers = 4, 1000, 3
	tx, rx := mpsc.New[int](2)
	var swg sync.WaitGroup
	for s := range senders {
		h := tx.Clone()
		swg.Go(func() {
			defer h.Close()
			for i := range perSender {
				v := s*perSender + i
				var err error
				switch i % 3 {
				case 0:
					err = h.Send(ctx, v)
				case 1:
					for err = h.TrySend(v); errors.Is(err, mpsc.ErrFull); err = h.TrySend(v) {
						runtime.Gosched()
					}
				case 2:
					var p *mpsc.Permit[int]
					if p, err = h.Reserve(ctx); err == nil {
						p.Send(v)
					}
				}
				if err != nil {
					t.Errorf("send %d: %v", v, err)
					return
				}
			}
		})
	}
	tx.Close()
	seen := make([][]int, receivers)
	var rwg sync.WaitGroup
	for r := range receivers {
		rwg.Go(func() {
			for {
				v, err := rx.Recv(ctx)
				if errors.Is(err, mpsc.ErrClosed) {
					return
				}
				if err != nil {
					t.Errorf("Recv: %v", err)
					return
				}
				seen[r] = append(seen[r], v)
			}
		})
	}
	swg.Wait()
	rwg.Wait()
	count := make([]int, senders*perSender)
	for _, vs := range seen {
		last := make([]int, senders) // per receiver, per sender order holds
		for i := range last {
			last[i] = -1
		}
		for _, v := range vs {
			count[v]++
			if s := v / perSender; v <= last[s] {
				t.Fatalf("sender %d: %d received after %d", s, v, last[s])
			} else {
				last[s] = v
			}
		}
	}
	for v, n := range count {
		if n != 1 {
			t.Fatalf("value %d received %d times", v, n)
		}
	}
}

func TestLastPermitReleaseRacesParkingReceivers(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), hangDeadline)
	defer cancel()
	for i := range 2000 {
		tx, rx := mpsc.New[int](2)
		p, err := tx.Reserve(ctx)
		if err != nil {
			t.Fatal(err)
		}
		tx.Close()
		errs := make(chan error, 2)
		for range 2 {
			go func() {
				_, err := rx.Recv(ctx)
				errs <- err
			}()
		}
		if i%2 == 0 {
			p.Release()
		} else {
			p.Send(i)
		}
		gotValue := false
		for range 2 {
			err := <-errs
			switch {
			case err == nil && i%2 == 1 && !gotValue:
				gotValue = true
			case errors.Is(err, mpsc.ErrClosed):
			default:
				t.Fatalf("round %d: Recv: %v", i, err)
			}
		}
		if i%2 == 1 && !gotValue {
			t.Fatalf("round %d: the permit's value was lost", i)
		}
	}
}

// TestReleasingTheLastPermitWakesParkedReceivers parks the receivers first,
// so the lock-free Release must see them and fail them itself.
func TestReleasingTheLastPermitWakesParkedReceivers(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		tx, rx := mpsc.New[int](4)
		p, err := tx.Reserve(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		tx.Close()
		errs := make(chan error, 2)
		for range 2 {
			go func() {
				_, err := rx.Recv(t.Context())
				errs <- err
			}()
		}
		synctest.Wait() // both receivers are parked
		p.Release()
		for range 2 {
			if err := <-errs; !errors.Is(err, mpsc.ErrClosed) {
				t.Fatalf("Recv: %v; want ErrClosed", err)
			}
		}
	})
}
