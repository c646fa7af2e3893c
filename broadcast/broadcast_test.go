package broadcast_test

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/shio-rt/shio/broadcast"
)

func TestEveryReceiverSeesEveryValueInOrder(t *testing.T) {
	tx, rx0 := broadcast.New[int](16)
	rxs := []*broadcast.Receiver[int]{rx0, tx.Subscribe(), tx.Subscribe()}
	done := make(chan []int)
	for _, rx := range rxs {
		go func() {
			var got []int
			for {
				v, err := rx.Recv(context.Background())
				if errors.Is(err, broadcast.ErrClosed) {
					done <- got
					return
				}
				if err != nil {
					t.Errorf("Recv: %v", err)
				}
				got = append(got, v)
			}
		}()
	}
	// Send 16 at a time and wait for everyone, so nobody lags.
	for i := range 16 {
		if n, err := tx.Send(i); n != 3 || err != nil {
			t.Fatalf("Send = %d, %v; want 3, nil", n, err)
		}
	}
	tx.Close()
	for range rxs {
		got := <-done
		if len(got) != 16 {
			t.Fatalf("got %v", got)
		}
		for i, v := range got {
			if v != i {
				t.Fatalf("got %v", got)
			}
		}
	}
}

func TestCapacityIsRoundedUpToAPowerOfTwo(t *testing.T) {
	for _, c := range []struct{ in, want int }{{1, 1}, {2, 2}, {3, 4}, {5, 8}, {1000, 1024}, {1024, 1024}} {
		tx, rx := broadcast.New[int](c.in)
		rx.Close()
		if got := tx.Cap(); got != c.want {
			t.Errorf("New(%d).Cap() = %d; want %d", c.in, got, c.want)
		}
	}
}

func TestLaggingReceiverGetsTheExactMissedCountThenTheOldestKept(t *testing.T) {
	tx, rx := broadcast.New[int](4)
	for i := range 10 {
		_, _ = tx.Send(i)
	}
	_, err := rx.TryRecv()
	var lag *broadcast.LagError
	if !errors.As(err, &lag) || lag.Missed != 6 {
		t.Fatalf("TryRecv err = %v; want LagError{Missed: 6}", err)
	}
	for want := 6; want < 10; want++ {
		if v, err := rx.Recv(t.Context()); v != want || err != nil {
			t.Fatalf("Recv = %d, %v; want %d", v, err, want)
		}
	}
	if _, err := rx.TryRecv(); !errors.Is(err, broadcast.ErrEmpty) {
		t.Fatalf("TryRecv after catching up: %v", err)
	}
}

func TestSendWithoutReceiversFails(t *testing.T) {
	tx, rx0 := broadcast.New[int](4)
	rx0.Close() // no receiver
	if n, err := tx.Send(1); n != 0 || !errors.Is(err, broadcast.ErrNoReceivers) {
		t.Fatalf("Send = %d, %v", n, err)
	}
	rx := tx.Subscribe()
	if tx.ReceiverCount() != 1 {
		t.Fatalf("ReceiverCount = %d", tx.ReceiverCount())
	}
	rx.Close()
	rx.Close()
	if tx.ReceiverCount() != 0 {
		t.Fatalf("ReceiverCount after Close = %d", tx.ReceiverCount())
	}
	if _, err := rx.TryRecv(); !errors.Is(err, broadcast.ErrClosed) {
		t.Fatalf("TryRecv on closed receiver: %v", err)
	}
}

func TestReceiverDrainsKeptValuesAfterSenderClose(t *testing.T) {
	tx, rx := broadcast.New[string](4)
	_, _ = tx.Send("a")
	tx.Close()
	if _, err := tx.Send("b"); !errors.Is(err, broadcast.ErrClosed) {
		t.Fatalf("Send after Close: %v", err)
	}
	if v, err := rx.Recv(t.Context()); v != "a" || err != nil {
		t.Fatalf("Recv = %q, %v", v, err)
	}
	if _, err := rx.Recv(t.Context()); !errors.Is(err, broadcast.ErrClosed) {
		t.Fatalf("Recv after drain: %v", err)
	}
	if _, err := tx.Subscribe().Recv(t.Context()); !errors.Is(err, broadcast.ErrClosed) {
		t.Fatalf("Recv on a receiver subscribed after Close: %v", err)
	}
}

func TestResubscribeStartsAtTheCurrentTail(t *testing.T) {
	tx, rx := broadcast.New[int](8)
	_, _ = tx.Send(1)
	rx2 := rx.Resubscribe()
	_, _ = tx.Send(2)
	if v, _ := rx.Recv(t.Context()); v != 1 {
		t.Fatalf("rx got %d", v)
	}
	if v, _ := rx2.Recv(t.Context()); v != 2 {
		t.Fatalf("rx2 got %d; want 2, the first value after resubscribing", v)
	}
	if tx.ReceiverCount() != 2 {
		t.Fatalf("ReceiverCount = %d", tx.ReceiverCount())
	}
}

// TestCancelledRecvKeepsThePosition proves Recv's # Cancellation paragraph.
func TestCancelledRecvKeepsThePosition(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		tx, rx := broadcast.New[int](4)
		ctx, cancel := context.WithCancel(t.Context())
		errc := make(chan error, 1)
		go func() {
			_, err := rx.Recv(ctx)
			errc <- err
		}()
		synctest.Wait()
		cancel()
		if err := <-errc; !errors.Is(err, context.Canceled) {
			t.Fatalf("cancelled Recv: %v", err)
		}
		_, _ = tx.Send(1)
		_, _ = tx.Send(2)
		// A done ctx still gets a value that is ready.
		if v, err := rx.Recv(ctx); v != 1 || err != nil {
			t.Fatalf("Recv = %d, %v; want 1", v, err)
		}
	})
}

// TestRecvIsDurablyBlockedInSynctest proves that waiting receivers park on
// a channel: virtual time advances while they wait, and one send wakes all.
func TestRecvIsDurablyBlockedInSynctest(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		tx, rx0 := broadcast.New[int](4)
		rx0.Close() // only the receivers below
		ctx, cancel := context.WithTimeout(t.Context(), time.Hour)
		defer cancel()
		got := make(chan int, 8)
		for range 8 {
			rx := tx.Subscribe()
			go func() {
				v, err := rx.Recv(ctx)
				if err != nil {
					t.Errorf("Recv: %v", err)
				}
				got <- v
			}()
		}
		synctest.Wait()
		start := time.Now()
		time.Sleep(time.Minute) // virtual: the receivers stay parked
		_, _ = tx.Send(7)
		for range 8 {
			if v := <-got; v != 7 {
				t.Fatalf("got %d", v)
			}
		}
		if time.Since(start) != time.Minute {
			t.Fatalf("virtual time moved %v", time.Since(start))
		}
	})
}

func TestConcurrentSendersProduceOneOrderForAllReceivers(t *testing.T) {
	const senders, each = 4, 200
	tx, rx0 := broadcast.New[int](senders * each) // room for everything: no lag
	rxs := []*broadcast.Receiver[int]{rx0, tx.Subscribe(), tx.Subscribe()}
	var wg sync.WaitGroup
	for s := range senders {
		wg.Go(func() {
			for i := range each {
				if _, err := tx.Send(s*each + i); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	tx.Close()
	var first []int
	for k, rx := range rxs {
		var got []int
		for {
			v, err := rx.Recv(t.Context())
			if err != nil {
				break
			}
			got = append(got, v)
		}
		if len(got) != senders*each {
			t.Fatalf("receiver %d got %d values", k, len(got))
		}
		last := map[int]int{}
		for _, v := range got {
			if p, ok := last[v/each]; ok && v <= p {
				t.Fatalf("sender %d's values out of order: %d after %d", v/each, v, p)
			}
			last[v/each] = v
		}
		if k == 0 {
			first = got
		} else if !slices.Equal(got, first) {
			t.Fatalf("receiver %d saw a different order than receiver 0", k)
		}
	}
}
