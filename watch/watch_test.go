package watch_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/shio-rt/shio/watch"
)

func TestReceiverSeesOnlyTheLatestValue(t *testing.T) {
	tx, rx := watch.New(0)
	if rx.Load() != 0 {
		t.Fatal("initial value lost")
	}
	if ch, _ := rx.HasChanged(); ch {
		t.Fatal("initial value counted as a change")
	}
	for i := 1; i <= 3; i++ {
		if err := tx.Send(i); err != nil {
			t.Fatal(err)
		}
	}
	if err := rx.Changed(t.Context()); err != nil {
		t.Fatal(err)
	}
	if v := rx.LoadAndMarkSeen(); v != 3 {
		t.Fatalf("LoadAndMarkSeen = %d; want 3", v)
	}
	if ch, _ := rx.HasChanged(); ch {
		t.Fatal("HasChanged after LoadAndMarkSeen")
	}
}

func TestSendModifyAndSendIfModified(t *testing.T) {
	tx, rx := watch.New([]int{})
	tx.SendModify(func(v *[]int) { *v = append((*v)[:len(*v):len(*v)], 1) })
	if ok := tx.SendIfModified(func(v *[]int) bool { return false }); ok {
		t.Fatal("SendIfModified reported a change")
	}
	if ch, _ := rx.HasChanged(); !ch {
		t.Fatal("SendModify did not count as a change")
	}
	rx.MarkSeen()
	if ok := tx.SendIfModified(func(v *[]int) bool { *v = append((*v)[:len(*v):len(*v)], 2); return true }); !ok {
		t.Fatal("SendIfModified reported no change")
	}
	if got := rx.LoadAndMarkSeen(); len(got) != 2 || got[0] != 1 || got[1] != 2 {
		t.Fatalf("value = %v", got)
	}
	if tx.SendIfModified(func(v *[]int) bool { *v = nil; return false }); len(rx.Load()) != 2 {
		t.Fatal("a discarded modification changed the value")
	}
}

func TestMarkChangedMakesChangedReturnAtOnce(t *testing.T) {
	_, rx := watch.New("a")
	rx.MarkUnseen()
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if err := rx.Changed(ctx); err != nil {
		t.Fatalf("Changed after MarkUnseen: %v", err)
	}
}

func TestSendWithoutReceiversIsNotStored(t *testing.T) {
	tx, rx := watch.New(1)
	rx2 := rx.Clone()
	rx.Close()
	rx2.Close()
	if tx.ReceiverCount() != 0 {
		t.Fatalf("ReceiverCount = %d", tx.ReceiverCount())
	}
	if err := tx.Send(2); !errors.Is(err, watch.ErrNoReceivers) {
		t.Fatalf("Send: %v", err)
	}
	if tx.Load() != 1 {
		t.Fatalf("value = %d; want 1", tx.Load())
	}
	tx.SendModify(func(v *int) { *v = 3 }) // stored regardless
	rx3 := tx.Subscribe()
	if v := rx3.Load(); v != 3 {
		t.Fatalf("new subscriber sees %d; want 3", v)
	}
}

func TestCloseDeliversTheLastChangeThenErrClosed(t *testing.T) {
	tx, rx := watch.New(0)
	_ = tx.Send(1)
	tx.Close()
	if err := tx.Send(2); !errors.Is(err, watch.ErrClosed) {
		t.Fatalf("Send after Close: %v", err)
	}
	if err := rx.Changed(t.Context()); err != nil {
		t.Fatalf("Changed with an unseen change: %v", err)
	}
	if rx.LoadAndMarkSeen() != 1 {
		t.Fatal("last value lost")
	}
	if err := rx.Changed(t.Context()); !errors.Is(err, watch.ErrClosed) {
		t.Fatalf("Changed after the last change: %v", err)
	}
}

func TestWaitForChecksTheCurrentValueFirst(t *testing.T) {
	tx, rx := watch.New(5)
	v, err := rx.WaitFor(t.Context(), func(v int) bool { return v >= 5 })
	if v != 5 || err != nil {
		t.Fatalf("WaitFor = %d, %v", v, err)
	}
	go func() {
		for i := 6; i <= 10; i++ {
			_ = tx.Send(i)
		}
		tx.Close()
	}()
	v, err = rx.WaitFor(t.Context(), func(v int) bool { return v >= 8 })
	if v < 8 || err != nil {
		t.Fatalf("WaitFor = %d, %v", v, err)
	}
	if _, err := rx.WaitFor(t.Context(), func(v int) bool { return v > 10 }); !errors.Is(err, watch.ErrClosed) {
		t.Fatalf("WaitFor an impossible value: %v", err)
	}
}

// TestCancelledChangedKeepsTheSeenVersion proves Changed's and WaitFor's
// # Cancellation paragraphs.
func TestCancelledChangedKeepsTheSeenVersion(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		tx, rx := watch.New(0)
		ctx, cancel := context.WithCancel(t.Context())
		errc := make(chan error, 2)
		rx2 := rx.Clone()
		go func() { errc <- rx.Changed(ctx) }()
		go func() {
			_, err := rx2.WaitFor(ctx, func(v int) bool { return v > 0 })
			errc <- err
		}()
		synctest.Wait()
		cancel()
		for range 2 {
			if err := <-errc; !errors.Is(err, context.Canceled) {
				t.Fatalf("cancelled wait: %v", err)
			}
		}
		if ch, _ := rx.HasChanged(); ch {
			t.Fatal("cancelled Changed marked a change")
		}
		_ = tx.Send(1)
		// The change made after cancellation is still reported.
		if ch, _ := rx.HasChanged(); !ch {
			t.Fatal("change not reported after cancellation")
		}
	})
}

// TestChangedIsDurablyBlockedInSynctest proves that waiting receivers park
// on a channel: virtual time advances while they wait.
func TestChangedIsDurablyBlockedInSynctest(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		tx, rx := watch.New(0)
		ctx, cancel := context.WithTimeout(t.Context(), time.Hour)
		defer cancel()
		start := time.Now()
		if err := rx.Changed(ctx); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Changed: %v", err)
		}
		if time.Since(start) != time.Hour {
			t.Fatalf("waited %v of virtual time; want 1h", time.Since(start))
		}
		go func() {
			time.Sleep(time.Minute)
			_ = tx.Send(1)
		}()
		if err := rx.Changed(t.Context()); err != nil || rx.Load() != 1 {
			t.Fatalf("Changed = %v, value %d", err, rx.Load())
		}
	})
}

func TestConcurrentSendModifyLosesNoUpdate(t *testing.T) {
	tx, rx := watch.New(0)
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range 250 {
				tx.SendModify(func(v *int) { *v++ })
			}
		})
	}
	wg.Wait()
	if v := rx.Load(); v != 1000 {
		t.Fatalf("value = %d; want 1000", v)
	}
}
