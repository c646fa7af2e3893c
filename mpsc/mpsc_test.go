package mpsc_test

import (
	"context"
	"errors"
	"math"
	"slices"
	"testing"
	"testing/synctest"

	"github.com/shio-rt/shio/mpsc"
)

func recvAll(t *testing.T, rx *mpsc.Receiver[int]) []int {
	t.Helper()
	var got []int
	for v, err := range rx.All(t.Context()) {
		if err != nil {
			t.Fatalf("All yielded %v", err)
		}
		got = append(got, v)
	}
	return got
}

func TestValuesArriveInSendOrder(t *testing.T) {
	tx, rx := mpsc.New[int](4)
	go func() {
		defer tx.Close()
		for i := range 100 {
			if err := tx.Send(t.Context(), i); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	got := recvAll(t, rx)
	want := make([]int, 100)
	for i := range want {
		want[i] = i
	}
	if !slices.Equal(got, want) {
		t.Fatalf("got %v", got)
	}
}

func TestTrySendReportsFullAndTryRecvReportsEmpty(t *testing.T) {
	tx, rx := mpsc.New[int](2)
	if _, err := rx.TryRecv(); !errors.Is(err, mpsc.ErrEmpty) {
		t.Fatalf("TryRecv on empty: %v", err)
	}
	for i := range 2 {
		if err := tx.TrySend(i); err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.TrySend(2); !errors.Is(err, mpsc.ErrFull) {
		t.Fatalf("TrySend on full: %v", err)
	}
	if rx.Len() != 2 || rx.Cap() != 2 {
		t.Fatalf("Len, Cap = %d, %d; want 2, 2", rx.Len(), rx.Cap())
	}
	if v, err := rx.TryRecv(); v != 0 || err != nil {
		t.Fatalf("TryRecv = %d, %v", v, err)
	}
}

// TestTryReserveHoldsASlotOrReportsFullOrClosed: a permit from TryReserve
// counts toward the capacity like one from Reserve, and its value arrives.
func TestTryReserveHoldsASlotOrReportsFullOrClosed(t *testing.T) {
	for _, c := range []struct {
		name string
		new  func() (*mpsc.Sender[int], *mpsc.Receiver[int])
	}{
		{"capacity 1", func() (*mpsc.Sender[int], *mpsc.Receiver[int]) { return mpsc.New[int](1) }},
		{"capacity 100000", func() (*mpsc.Sender[int], *mpsc.Receiver[int]) { return mpsc.New[int](100000) }},
	} {
		t.Run(c.name, func(t *testing.T) {
			tx, rx := c.new()
			for range rx.Cap() - 1 {
				if err := tx.TrySend(0); err != nil {
					t.Fatal(err)
				}
			}
			p, err := tx.TryReserve()
			if err != nil {
				t.Fatalf("TryReserve with a free slot: %v", err)
			}
			if _, err := tx.TryReserve(); !errors.Is(err, mpsc.ErrFull) {
				t.Fatalf("TryReserve on a channel full of permits: %v; want ErrFull", err)
			}
			if err := tx.TrySend(1); !errors.Is(err, mpsc.ErrFull) {
				t.Fatalf("TrySend past a permit: %v; want ErrFull", err)
			}
			p.Send(7)
			for range rx.Cap() - 1 {
				_, _ = rx.TryRecv()
			}
			if v, err := rx.TryRecv(); v != 7 || err != nil {
				t.Fatalf("TryRecv = %d, %v; want the permit's 7", v, err)
			}
			rx.Close()
			if _, err := tx.TryReserve(); !errors.Is(err, mpsc.ErrClosed) {
				t.Fatalf("TryReserve after the receiver closed: %v; want ErrClosed", err)
			}
			tx.Close()
			if _, err := tx.TryReserve(); !errors.Is(err, mpsc.ErrClosed) {
				t.Fatalf("TryReserve on a closed handle: %v; want ErrClosed", err)
			}
		})
	}
}

func TestChannelClosesWhenTheLastSenderCloses(t *testing.T) {
	tx, rx := mpsc.New[int](8)
	tx2 := tx.Clone()
	_ = tx.Send(t.Context(), 1)
	tx.Close()
	tx.Close() // idempotent: must not drop tx2's reference
	if err := tx.Send(t.Context(), 9); !errors.Is(err, mpsc.ErrClosed) {
		t.Fatalf("Send on closed handle: %v", err)
	}
	_ = tx2.Send(t.Context(), 2)
	if v, _ := rx.Recv(t.Context()); v != 1 {
		t.Fatalf("got %d", v)
	}
	if v, _ := rx.Recv(t.Context()); v != 2 {
		t.Fatalf("got %d", v)
	}
	if _, err := rx.TryRecv(); !errors.Is(err, mpsc.ErrEmpty) {
		t.Fatalf("channel closed while tx2 is open: %v", err)
	}
	done := make(chan error)
	go func() {
		_, err := rx.Recv(t.Context())
		done <- err
	}()
	tx2.Close()
	if err := <-done; !errors.Is(err, mpsc.ErrClosed) {
		t.Fatalf("Recv after last Close: %v", err)
	}
}

func TestReceiverCloseFailsSendersButDrainsBufferedValues(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		tx, rx := mpsc.New[int](2)
		_ = tx.Send(t.Context(), 1)
		_ = tx.Send(t.Context(), 2)
		blocked := make(chan error, 1)
		go func() { blocked <- tx.Send(context.Background(), 3) }()
		synctest.Wait() // the sender is parked on the full channel
		rx.Close()
		if err := <-blocked; !errors.Is(err, mpsc.ErrClosed) {
			t.Fatalf("blocked Send after receiver Close: %v", err)
		}
		if err := tx.TrySend(4); !errors.Is(err, mpsc.ErrClosed) {
			t.Fatalf("TrySend after receiver Close: %v", err)
		}
		if !tx.IsClosed() {
			t.Fatal("IsClosed = false after receiver Close")
		}
		if got := recvAll(t, rx); !slices.Equal(got, []int{1, 2}) {
			t.Fatalf("drained %v; want [1 2]", got)
		}
		tx.Close()
	})
}

func TestUnboundedSendNeverWaits(t *testing.T) {
	tx, rx := mpsc.NewUnbounded[int]()
	for i := range 10000 {
		if err := tx.TrySend(i); err != nil {
			t.Fatal(err)
		}
	}
	tx.Close()
	if rx.Cap() != math.MaxInt || rx.Len() != 10000 {
		t.Fatalf("Cap, Len = %d, %d", rx.Cap(), rx.Len())
	}
	got := recvAll(t, rx)
	for i, v := range got {
		if v != i {
			t.Fatalf("got[%d] = %d", i, v)
		}
	}
}

func TestRecvManyTakesWhatIsBufferedUpToMax(t *testing.T) {
	tx, rx := mpsc.New[int](8)
	for i := range 5 {
		_ = tx.Send(t.Context(), i)
	}
	buf, err := rx.RecvMany(t.Context(), nil, 3)
	if err != nil || !slices.Equal(buf, []int{0, 1, 2}) {
		t.Fatalf("RecvMany = %v, %v", buf, err)
	}
	buf, err = rx.RecvMany(t.Context(), buf[:0], 10)
	if err != nil || !slices.Equal(buf, []int{3, 4}) {
		t.Fatalf("RecvMany = %v, %v", buf, err)
	}
	go func() { _ = tx.Send(context.Background(), 5) }()
	buf, err = rx.RecvMany(t.Context(), buf[:0], 10) // waits for one
	if err != nil || !slices.Equal(buf, []int{5}) {
		t.Fatalf("RecvMany = %v, %v", buf, err)
	}
	tx.Close()
	if _, err := rx.RecvMany(t.Context(), nil, 1); !errors.Is(err, mpsc.ErrClosed) {
		t.Fatalf("RecvMany on closed: %v", err)
	}
}

func TestAllStopsWhenTheLoopBreaks(t *testing.T) {
	tx, rx := mpsc.New[int](8)
	for i := range 4 {
		_ = tx.Send(t.Context(), i)
	}
	for v, err := range rx.All(t.Context()) {
		if err != nil {
			t.Fatal(err)
		}
		if v == 1 {
			break
		}
	}
	if rx.Len() != 2 {
		t.Fatalf("Len after break = %d; want 2", rx.Len())
	}
	tx.Close()
}

func TestCloneOfClosedSenderPanics(t *testing.T) {
	tx, _ := mpsc.New[int](1)
	tx.Close()
	defer func() {
		if recover() == nil {
			t.Fatal("no panic")
		}
	}()
	tx.Clone()
}

func TestNewPanicsOnZeroCapacity(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("no panic")
		}
	}()
	mpsc.New[int](0)
}

func TestBufferGrowsToExactlyItsCapacity(t *testing.T) {
	tx, rx := mpsc.New[int](100)
	for i := range 100 {
		if err := tx.TrySend(i); err != nil {
			t.Fatalf("TrySend %d: %v", i, err)
		}
	}
	if err := tx.TrySend(100); !errors.Is(err, mpsc.ErrFull) {
		t.Fatalf("TrySend past capacity: %v", err)
	}
	tx.Close()
	got := recvAll(t, rx)
	if len(got) != 100 || got[0] != 0 || got[99] != 99 {
		t.Fatalf("got %d values", len(got))
	}
}

// TestLargeCapacityBuffersUnderTheLock covers a bounded channel too large
// for the preallocated lock-free ring: it grows its buffer under the mutex
// and keeps the same semantics.
func TestLargeCapacityBuffersUnderTheLock(t *testing.T) {
	const capacity = 1<<16 + 1
	tx, rx := mpsc.New[int](capacity)
	for i := range capacity {
		if err := tx.TrySend(i); err != nil {
			t.Fatalf("TrySend %d: %v", i, err)
		}
	}
	if err := tx.TrySend(capacity); !errors.Is(err, mpsc.ErrFull) {
		t.Fatalf("TrySend past capacity: %v", err)
	}
	sent := make(chan error, 1)
	go func() { sent <- tx.Send(context.Background(), capacity) }()
	if v, err := rx.Recv(context.Background()); v != 0 || err != nil {
		t.Fatalf("Recv: %d, %v", v, err)
	}
	if err := <-sent; err != nil {
		t.Fatalf("blocked Send: %v", err)
	}
	tx.Close()
	got := recvAll(t, rx)
	if len(got) != capacity || got[0] != 1 || got[capacity-1] != capacity {
		t.Fatalf("got %d values, first %d, last %d", len(got), got[0], got[len(got)-1])
	}
}
