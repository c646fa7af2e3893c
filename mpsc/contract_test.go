package mpsc_test

import (
	"context"
	"errors"
	"runtime"
	"slices"
	"testing"
	"testing/synctest"
	"time"

	"github.com/shio-rt/shio/mpsc"
)

// TestBlockedSendersAreServedInFIFOOrder parks senders one at a time on a
// full channel and checks that they are admitted in the order they parked.
func TestBlockedSendersAreServedInFIFOOrder(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		tx, rx := mpsc.New[int](1)
		_ = tx.Send(t.Context(), -1) // fill it
		const n = 8
		for i := range n {
			go func() { _ = tx.Send(context.Background(), i) }()
			synctest.Wait() // sender i is parked before i+1 starts
		}
		// A TrySend must not overtake the queue even when a slot frees up.
		if v, _ := rx.Recv(t.Context()); v != -1 {
			t.Fatalf("got %d", v)
		}
		if err := tx.TrySend(99); !errors.Is(err, mpsc.ErrFull) {
			t.Fatalf("TrySend overtook blocked senders: %v", err)
		}
		for i := range n {
			if v, _ := rx.Recv(t.Context()); v != i {
				t.Fatalf("value %d arrived in position %d", v, i)
			}
		}
		tx.Close()
	})
}

// TestRecvIsDurablyBlockedInSynctest proves that a waiting receiver and a
// waiting sender park on channels: the bubble's clock jumps to their ctx
// deadlines.
func TestRecvIsDurablyBlockedInSynctest(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		tx, rx := mpsc.New[int](1)
		ctx, cancel := context.WithTimeout(t.Context(), time.Hour)
		defer cancel()
		start := time.Now()
		if _, err := rx.Recv(ctx); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Recv: %v", err)
		}
		if d := time.Since(start); d != time.Hour {
			t.Fatalf("Recv waited %v of virtual time; want 1h", d)
		}
		_ = tx.Send(t.Context(), 1)
		ctx2, cancel2 := context.WithTimeout(t.Context(), time.Minute)
		defer cancel2()
		if err := tx.Send(ctx2, 2); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Send on full: %v", err)
		}
		tx.Close()
	})
}

// TestCancelledSendLeavesTheChannelUnchanged proves Send's # Cancellation
// paragraph: the cancelled value is not delivered, its place in the queue
// is given up, and the sender queued behind it moves up.
func TestCancelledSendLeavesTheChannelUnchanged(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		tx, rx := mpsc.New[int](1)
		_ = tx.Send(t.Context(), 0)
		ctx, cancel := context.WithCancel(t.Context())
		cancelled := make(chan error, 1)
		go func() { cancelled <- tx.Send(ctx, 1) }()
		synctest.Wait()
		go func() { _ = tx.Send(context.Background(), 2) }()
		synctest.Wait()
		cancel()
		if err := <-cancelled; !errors.Is(err, context.Canceled) {
			t.Fatalf("cancelled Send: %v", err)
		}
		if rx.Len() != 1 {
			t.Fatalf("Len = %d; want 1", rx.Len())
		}
		got := []int{}
		for range 2 {
			v, _ := rx.Recv(t.Context())
			got = append(got, v)
		}
		tx.Close()
		if _, err := rx.Recv(t.Context()); !errors.Is(err, mpsc.ErrClosed) {
			t.Fatalf("Recv after close: %v", err)
		}
		if !slices.Equal(got, []int{0, 2}) {
			t.Fatalf("received %v; want [0 2] (1 was cancelled)", got)
		}
	})
}

// TestCancelledRecvTakesNothing proves Recv's and RecvMany's # Cancellation
// paragraphs.
func TestCancelledRecvTakesNothing(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		tx, rx := mpsc.New[int](4)
		ctx, cancel := context.WithCancel(t.Context())
		errs := make(chan error, 2)
		go func() {
			_, err := rx.Recv(ctx)
			errs <- err
		}()
		go func() {
			buf, err := rx.RecvMany(ctx, nil, 4)
			if len(buf) != 0 {
				t.Errorf("cancelled RecvMany returned %v", buf)
			}
			errs <- err
		}()
		synctest.Wait()
		cancel()
		for range 2 {
			if err := <-errs; !errors.Is(err, context.Canceled) {
				t.Fatalf("cancelled receive: %v", err)
			}
		}
		_ = tx.Send(t.Context(), 7)
		if v, err := rx.Recv(t.Context()); v != 7 || err != nil {
			t.Fatalf("Recv after cancellation = %d, %v", v, err)
		}
		tx.Close()
	})
}

// TestCancelledReserveHoldsNoSlot proves Reserve's # Cancellation paragraph.
func TestCancelledReserveHoldsNoSlot(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		tx, rx := mpsc.New[int](1)
		p, err := tx.Reserve(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(t.Context())
		errs := make(chan error, 1)
		go func() {
			_, err := tx.Reserve(ctx)
			errs <- err
		}()
		synctest.Wait()
		cancel()
		if err := <-errs; !errors.Is(err, context.Canceled) {
			t.Fatalf("cancelled Reserve: %v", err)
		}
		p.Release()
		// The one slot is free again: nothing holds it.
		if err := tx.TrySend(1); err != nil {
			t.Fatalf("TrySend after release: %v", err)
		}
		if v, _ := rx.Recv(t.Context()); v != 1 {
			t.Fatalf("got %d", v)
		}
		tx.Close()
	})
}

func TestPermitHoldsASlotAndItsSendNeverBlocks(t *testing.T) {
	tx, rx := mpsc.New[int](1)
	p, err := tx.Reserve(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if err := tx.TrySend(1); !errors.Is(err, mpsc.ErrFull) {
		t.Fatalf("TrySend with the only slot reserved: %v", err)
	}
	p.Send(2)
	p.Release() // no effect after Send
	if v, _ := rx.Recv(t.Context()); v != 2 {
		t.Fatalf("got %d", v)
	}
	tx.Close()
}

func TestOutstandingPermitKeepsTheChannelOpenUntilUsed(t *testing.T) {
	tx, rx := mpsc.New[int](2)
	p, _ := tx.Reserve(t.Context())
	tx.Close()
	rx.Close()
	if _, err := rx.TryRecv(); !errors.Is(err, mpsc.ErrEmpty) {
		t.Fatalf("TryRecv with an outstanding permit: %v", err)
	}
	p.Send(5)
	if v, err := rx.Recv(t.Context()); v != 5 || err != nil {
		t.Fatalf("Recv = %d, %v; want the permit's value", v, err)
	}
	if _, err := rx.Recv(t.Context()); !errors.Is(err, mpsc.ErrClosed) {
		t.Fatalf("Recv after the permit: %v", err)
	}
}

func TestDroppedPermitReturnsItsSlot(t *testing.T) {
	tx, _ := mpsc.New[int](1)
	func() {
		_, err := tx.Reserve(t.Context())
		if err != nil {
			t.Fatal(err)
		}
	}()
	waitFor(t, func() bool {
		runtime.GC()
		return tx.TrySend(1) == nil
	})
	tx.Close()
}

func TestReleasedPermitPassesItsSlotToTheFirstBlockedSender(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		tx, rx := mpsc.New[int](1)
		p, _ := tx.Reserve(t.Context())
		sent := make(chan error, 1)
		go func() { sent <- tx.Send(context.Background(), 3) }()
		synctest.Wait()
		p.Release()
		if err := <-sent; err != nil {
			t.Fatal(err)
		}
		if v, _ := rx.Recv(t.Context()); v != 3 {
			t.Fatalf("got %d", v)
		}
		tx.Close()
	})
}

// TestLastPermitWakesEveryReceiverOfAClosedChannel checks that the permit
// that keeps a closed channel open hands its value to one waiting receiver
// and releases the others with ErrClosed.
func TestLastPermitWakesEveryReceiverOfAClosedChannel(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		tx, rx := mpsc.New[int](1)
		p, _ := tx.Reserve(t.Context())
		tx.Close()
		type result struct {
			v   int
			err error
		}
		results := make(chan result, 2)
		for range 2 {
			go func() {
				v, err := rx.Recv(t.Context())
				results <- result{v, err}
			}()
		}
		synctest.Wait()
		p.Send(8)
		a, b := <-results, <-results
		if a.err != nil {
			a, b = b, a
		}
		if a.v != 8 || a.err != nil || !errors.Is(b.err, mpsc.ErrClosed) {
			t.Fatalf("results %+v, %+v; want the value and ErrClosed", a, b)
		}
	})
}

func TestConcurrentReceiversSplitTheValuesExactlyOnce(t *testing.T) {
	tx, rx := mpsc.New[int](4)
	const senders, each = 4, 500
	for s := range senders {
		tx := tx.Clone()
		go func() {
			defer tx.Close()
			for i := range each {
				_ = tx.Send(t.Context(), s*each+i)
			}
		}()
	}
	tx.Close()
	seen := make(chan []int, 3)
	for range 3 {
		go func() {
			var got []int
			buf := make([]int, 0, 8)
			for {
				var err error
				buf, err = rx.RecvMany(t.Context(), buf[:0], 8)
				if err != nil {
					seen <- got
					return
				}
				got = append(got, buf...)
			}
		}()
	}
	count := make([]int, senders*each)
	for range 3 {
		for _, v := range <-seen {
			count[v]++
		}
	}
	for v, c := range count {
		if c != 1 {
			t.Fatalf("value %d received %d times", v, c)
		}
	}
}

// TestCancelledAllLeavesTheRestInTheChannel proves All's # Cancellation
// paragraph: the loop gets ctx's error once, last, and takes nothing more.
func TestCancelledAllLeavesTheRestInTheChannel(t *testing.T) {
	tx, rx := mpsc.New[int](8)
	for i := range 5 {
		_ = tx.Send(t.Context(), i)
	}
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var got []int
	var errs []error
	for v, err := range rx.All(ctx) {
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if len(errs) > 0 {
			t.Fatalf("All yielded %d after its error", v)
		}
		got = append(got, v)
		if v == 1 {
			cancel()
		}
	}
	if !slices.Equal(got, []int{0, 1}) || rx.Len() != 3 {
		t.Fatalf("yielded %v and left %d; want [0 1] and 3", got, rx.Len())
	}
	if len(errs) != 1 || errs[0] != context.Canceled {
		t.Fatalf("All yielded errors %v; want [context.Canceled]", errs)
	}
	tx.Close()
}

// TestAllEndsQuietlyWhenClosedAndDrained: a closed channel is not an error
// for All; only a terminal error such as ctx's is yielded.
func TestAllEndsQuietlyWhenClosedAndDrained(t *testing.T) {
	tx, rx := mpsc.New[int](4)
	_ = tx.Send(t.Context(), 1)
	_ = tx.Send(t.Context(), 2)
	tx.Close()
	var got []int
	for v, err := range rx.All(t.Context()) {
		if err != nil {
			t.Fatalf("All yielded %v on a closed channel", err)
		}
		got = append(got, v)
	}
	if !slices.Equal(got, []int{1, 2}) {
		t.Fatalf("All = %v; want [1 2]", got)
	}
}

// TestAllYieldsTheErrorOfAContextThatEndsWhileWaiting: a loop blocked in
// All for a value gets ctx's error when ctx ends, not a silent end.
func TestAllYieldsTheErrorOfAContextThatEndsWhileWaiting(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		tx, rx := mpsc.New[int](1)
		defer tx.Close()
		ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
		defer cancel()
		n := 0
		for _, err := range rx.All(ctx) {
			n++
			if err != context.DeadlineExceeded {
				t.Fatalf("All yielded %v; want DeadlineExceeded", err)
			}
		}
		if n != 1 {
			t.Fatalf("All yielded %d times; want once", n)
		}
	})
}

func TestDroppedSenderClosesItsHandle(t *testing.T) {
	tx, rx := mpsc.New[int](1)
	func() { _ = tx.Clone() }() // dropped without Close
	tx.Close()
	waitFor(t, func() bool {
		runtime.GC()
		_, err := rx.TryRecv()
		return errors.Is(err, mpsc.ErrClosed)
	})
}

// TestBlockedSendSurvivesGarbageCollection checks that a handle reachable
// only from its own blocked Send is not collected and closed under it.
func TestBlockedSendSurvivesGarbageCollection(t *testing.T) {
	tx, rx := mpsc.New[int](1)
	_ = tx.Send(t.Context(), 0)
	errc := make(chan error, 1)
	func(h *mpsc.Sender[int]) {
		go func() { errc <- h.Send(context.Background(), 1) }()
	}(tx.Clone())
	tx.Close()
	for range 5 {
		runtime.GC()
		runtime.Gosched()
	}
	_, _ = rx.Recv(t.Context())
	if err := <-errc; err != nil {
		t.Fatalf("blocked Send: %v", err)
	}
	if v, err := rx.Recv(t.Context()); v != 1 || err != nil {
		t.Fatalf("Recv = %d, %v", v, err)
	}
}

// TestSendToAParkedReceiverOvertakesNothing covers the hand-off of a value
// straight to a parked receiver: it must not overtake a parked sender, nor
// a slot held by a permit (whose value may be sent first).
func TestSendToAParkedReceiverOvertakesNothing(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		tx, rx := mpsc.New[int](1)
		got := make(chan int, 3)
		recv := func() {
			v, err := rx.Recv(context.Background())
			if err != nil {
				t.Error(err)
			}
			got <- v
		}

		// A permit holds the only slot: a receiver and then a sender park.
		p, _ := tx.Reserve(t.Context())
		go recv()
		synctest.Wait()
		go func() { _ = tx.Send(context.Background(), 1) }()
		synctest.Wait()
		// The permit's value goes first, then the parked sender's.
		p.Send(0)
		if v := <-got; v != 0 {
			t.Fatalf("first value %d; want the permit's 0", v)
		}
		if v, _ := rx.Recv(t.Context()); v != 1 {
			t.Fatalf("second value %d; want the parked sender's 1", v)
		}

		// A receiver parked on an empty channel takes a Send's value at once.
		go recv()
		synctest.Wait()
		if err := tx.Send(t.Context(), 2); err != nil {
			t.Fatal(err)
		}
		if v := <-got; v != 2 {
			t.Fatalf("got %d; want 2", v)
		}
		if n := rx.Len(); n != 0 {
			t.Fatalf("Len = %d after the hand-off; want 0", n)
		}
		// The slot was never taken: the channel is empty and has room.
		if err := tx.TrySend(3); err != nil {
			t.Fatalf("TrySend after the hand-off: %v", err)
		}
		if v, _ := rx.Recv(t.Context()); v != 3 {
			t.Fatalf("got %d; want 3", v)
		}

		// A permit taken while a receiver is parked: a Send meanwhile
		// waits for room rather than passing the permit's slot.
		go recv()
		synctest.Wait()
		p, _ = tx.Reserve(t.Context())
		sent := make(chan error, 1)
		go func() { sent <- tx.Send(context.Background(), 5) }()
		synctest.Wait()
		p.Send(4)
		if v := <-got; v != 4 {
			t.Fatalf("got %d; want the permit's 4 first", v)
		}
		if err := <-sent; err != nil {
			t.Fatal(err)
		}
		if v, _ := rx.Recv(t.Context()); v != 5 {
			t.Fatalf("got %d; want 5", v)
		}
		tx.Close()
	})
}
