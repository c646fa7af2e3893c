package watch_test

import (
	"context"
	"slices"
	"testing"
	"testing/synctest"
	"time"

	"github.com/shio-rt/shio/watch"
)

// TestAllYieldsTheLatestValueThenEachChange: the current value at once,
// then one yield per change observed, coalesced for a slow loop, and a
// quiet end after the sender closes.
func TestAllYieldsTheLatestValueThenEachChange(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		tx, rx := watch.New(0)
		// Virtual time makes the interleaving exact: the loop yields 0 at
		// 0 s, 1 at 1 s and is busy until 1.1 s, while 2 and 3 are sent
		// at 1.05 s and coalesce.
		go func() {
			time.Sleep(time.Second)
			_ = tx.Send(1)
			time.Sleep(50 * time.Millisecond)
			_ = tx.Send(2)
			_ = tx.Send(3)
			time.Sleep(time.Second)
			tx.Close()
		}()
		var got []int
		for v, err := range rx.All(t.Context()) {
			if err != nil {
				t.Fatalf("All yielded %v", err)
			}
			got = append(got, v)
			time.Sleep(100 * time.Millisecond) // a loop body that takes time
		}
		if !slices.Equal(got, []int{0, 1, 3}) {
			t.Fatalf("All = %v; want [0 1 3]", got)
		}
	})
}

// TestAllYieldsTheLastChangeBeforeTheClose: a change sent just before Close
// is never lost.
func TestAllYieldsTheLastChangeBeforeTheClose(t *testing.T) {
	tx, rx := watch.New("a")
	var got []string
	for v, err := range rx.All(t.Context()) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, v)
		if v == "a" {
			_ = tx.Send("b")
			tx.Close()
		}
	}
	if !slices.Equal(got, []string{"a", "b"}) {
		t.Fatalf("All = %v; want [a b]", got)
	}
}

// TestAllCancelledYieldsTheErrorOnceAndLeavesTheChangeUnseen proves All's
// # Cancellation paragraph.
func TestAllCancelledYieldsTheErrorOnceAndLeavesTheChangeUnseen(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		tx, rx := watch.New(0)
		defer tx.Close()
		ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
		defer cancel()
		var vals []int
		var errs []error
		for v, err := range rx.All(ctx) {
			if err != nil {
				errs = append(errs, err)
				continue
			}
			vals = append(vals, v)
		}
		if !slices.Equal(vals, []int{0}) || len(errs) != 1 || errs[0] != context.DeadlineExceeded {
			t.Fatalf("All = %v, errors %v; want [0] and one DeadlineExceeded", vals, errs)
		}

		ctx2, cancel2 := context.WithCancel(t.Context())
		defer cancel2()
		errs = nil
		for _, err := range rx.All(ctx2) {
			if err != nil {
				errs = append(errs, err)
				continue
			}
			_ = tx.Send(1) // a change the loop will not yield
			cancel2()
		}
		if len(errs) != 1 || errs[0] != context.Canceled {
			t.Fatalf("errors %v; want one Canceled", errs)
		}
		if changed, err := rx.HasChanged(); !changed || err != nil {
			t.Fatalf("HasChanged after the cancelled loop = %v, %v; want true: the change stays unseen", changed, err)
		}
	})
}

// TestAllOfAClosedReceiverYieldsNothing: after Receiver.Close the loop
// ends at once.
func TestAllOfAClosedReceiverYieldsNothing(t *testing.T) {
	tx, rx := watch.New(0)
	defer tx.Close()
	rx.Close()
	for v, err := range rx.All(t.Context()) {
		t.Fatalf("All of a closed receiver yielded %v, %v", v, err)
	}
}
