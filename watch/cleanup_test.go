package watch_test

import (
	"context"
	"errors"
	"runtime"
	"testing"

	"github.com/shio-rt/shio/watch"
)

func TestDroppedReceiverIsClosedByTheGarbageCollector(t *testing.T) {
	tx, _ := watch.New(0) // the first receiver, dropped without Close
	kept := tx.Subscribe()
	func() { _ = tx.Subscribe() }()
	func() { _ = kept.Clone() }()
	if n := tx.ReceiverCount(); n != 4 {
		t.Fatalf("ReceiverCount = %d; want 4 before collection", n)
	}
	collectUntil(t, func() bool { return tx.ReceiverCount() == 1 })
	if err := tx.Send(1); err != nil {
		t.Fatalf("Send with one receiver left: %v", err)
	}
	kept.Close()
	if err := tx.Send(2); !errors.Is(err, watch.ErrNoReceivers) {
		t.Fatalf("Send with every receiver gone: %v; want ErrNoReceivers", err)
	}
	if v := tx.Load(); v != 1 {
		t.Fatalf("Load = %d; want 1, the last value stored", v)
	}
}

// TestClosedReceiverIsNotCountedOutAgainWhenCollected drops a closed and an
// open receiver together: once the open one is collected, the count must
// still include the receiver that is kept, however many collections follow.
func TestClosedReceiverIsNotCountedOutAgainWhenCollected(t *testing.T) {
	tx, kept := watch.New(0)
	func() {
		closed := kept.Clone()
		closed.Close()
		_ = kept.Clone() // dropped open
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

// TestReceiverBlockedInChangedIsNotCollected checks that a receiver
// reachable only from its own blocked Changed stays open.
func TestReceiverBlockedInChangedIsNotCollected(t *testing.T) {
	tx, rx := watch.New(0)
	got := make(chan int, 1)
	func(rx *watch.Receiver[int]) {
		go func() {
			defer rx.Close()
			if err := rx.Changed(context.Background()); err != nil {
				t.Errorf("Changed: %v", err)
			}
			got <- rx.LoadAndMarkSeen()
		}()
	}(rx)
	rx = nil
	for range 5 {
		runtime.GC()
		runtime.Gosched()
	}
	if err := tx.Send(7); err != nil {
		t.Fatalf("Send: %v; want the blocked receiver to count", err)
	}
	if v := <-got; v != 7 {
		t.Fatalf("got %d; want 7", v)
	}
}
