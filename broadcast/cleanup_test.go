package broadcast_test

import (
	"context"
	"errors"
	"runtime"
	"testing"
	"weak"

	"github.com/shio-rt/shio/broadcast"
)

func TestDroppedReceiverIsUnsubscribedByTheGarbageCollector(t *testing.T) {
	tx, kept := broadcast.New[int](4)
	func() { _ = tx.Subscribe() }() // dropped without Close
	func() { _ = kept.Resubscribe() }()
	if n := tx.ReceiverCount(); n != 3 {
		t.Fatalf("ReceiverCount = %d; want 3 before collection", n)
	}
	collectUntil(t, func() bool { return tx.ReceiverCount() == 1 })
	if n, err := tx.Send(1); n != 1 || err != nil {
		t.Fatalf("Send = %d, %v; want 1, nil", n, err)
	}
	if v, err := kept.TryRecv(); v != 1 || err != nil {
		t.Fatalf("TryRecv = %d, %v; want 1, nil", v, err)
	}
	kept.Close()
	if _, err := tx.Send(2); !errors.Is(err, broadcast.ErrNoReceivers) {
		t.Fatalf("Send with every receiver gone: %v; want ErrNoReceivers", err)
	}
}

// TestClosedReceiverIsNotCountedOutAgainWhenCollected drops a closed and an
// open receiver together: once the open one is collected, the count must
// still include the receiver that is kept, however many collections follow.
func TestClosedReceiverIsNotCountedOutAgainWhenCollected(t *testing.T) {
	tx, kept := broadcast.New[int](4)
	func() {
		closed := tx.Subscribe()
		closed.Close()
		_ = tx.Subscribe() // dropped open
	}()
	collectUntil(t, func() bool { return tx.ReceiverCount() <= 1 })
	for range 20 {
		runtime.GC()
		runtime.Gosched()
		if n := tx.ReceiverCount(); n != 1 {
			t.Fatalf("ReceiverCount = %d; want 1", n)
		}
	}
	kept.Close()
	if n := tx.ReceiverCount(); n != 0 {
		t.Fatalf("ReceiverCount after the last Close = %d; want 0", n)
	}
}

// TestReceiverBlockedInRecvIsNotCollected checks that a receiver reachable
// only from its own blocked Recv stays subscribed.
func TestReceiverBlockedInRecvIsNotCollected(t *testing.T) {
	tx, rx0 := broadcast.New[int](4)
	rx0.Close() // only the receiver below
	got := make(chan int, 1)
	func(rx *broadcast.Receiver[int]) {
		go func() {
			defer rx.Close()
			v, err := rx.Recv(context.Background())
			if err != nil {
				t.Errorf("Recv: %v", err)
			}
			got <- v
		}()
	}(tx.Subscribe())
	for range 5 {
		runtime.GC()
		runtime.Gosched()
	}
	if n, err := tx.Send(7); n != 1 || err != nil {
		t.Fatalf("Send = %d, %v; want 1, nil", n, err)
	}
	if v := <-got; v != 7 {
		t.Fatalf("Recv = %d; want 7", v)
	}
}

// TestLastReceiverOutReleasesTheKeptValues checks that the ring does not pin
// values once no receiver is left, whether the last one was closed or
// collected, and that the channel still works afterwards.
func TestLastReceiverOutReleasesTheKeptValues(t *testing.T) {
	type payload struct{ buf [64]byte }
	for _, drop := range []struct {
		name string
		out  func(*broadcast.Receiver[*payload])
	}{
		{"Close", (*broadcast.Receiver[*payload]).Close},
		{"collected", func(*broadcast.Receiver[*payload]) {}},
	} {
		t.Run(drop.name, func(t *testing.T) {
			tx, rx0 := broadcast.New[*payload](4)
			rx0.Close() // only the receiver below
			var sent weak.Pointer[payload]
			func() {
				rx := tx.Subscribe()
				v := new(payload)
				sent = weak.Make(v)
				if _, err := tx.Send(v); err != nil {
					t.Fatal(err)
				}
				drop.out(rx)
			}()
			collectUntil(t, func() bool { return sent.Value() == nil })

			rx := tx.Subscribe()
			defer rx.Close()
			for range 6 {
				_, _ = tx.Send(new(payload))
			}
			var lag *broadcast.LagError
			if _, err := rx.TryRecv(); !errors.As(err, &lag) || lag.Missed != 2 {
				t.Fatalf("TryRecv after resubscribing: %v; want a lag of 2", err)
			}
			for range 4 {
				if v, err := rx.TryRecv(); v == nil || err != nil {
					t.Fatalf("TryRecv = %v, %v; want a kept value", v, err)
				}
			}
		})
	}
}
