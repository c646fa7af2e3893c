package broadcast_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"testing/synctest"
	"time"

	"github.com/shio-rt/shio/broadcast"
)

// event is one thing All yielded: a value or an error.
type event struct {
	v   int
	err error
}

func drain(ctx context.Context, rx *broadcast.Receiver[int]) []event {
	var got []event
	for v, err := range rx.All(ctx) {
		got = append(got, event{v, err})
	}
	return got
}

// TestAllYieldsValuesThenEndsQuietlyOnClose: values in order, no error
// when the sender closes.
func TestAllYieldsValuesThenEndsQuietlyOnClose(t *testing.T) {
	tx, rx := broadcast.New[int](8)
	for i := range 3 {
		_, _ = tx.Send(i)
	}
	tx.Close()
	want := []event{{0, nil}, {1, nil}, {2, nil}}
	if got := drain(t.Context(), rx); !slices.Equal(got, want) {
		t.Fatalf("All = %v; want %v", got, want)
	}
}

// TestAllYieldsALagAndGoesOn: a lag is not terminal; the loop gets the
// *LagError with the number missed, then the values still kept.
func TestAllYieldsALagAndGoesOn(t *testing.T) {
	tx, rx := broadcast.New[int](2)
	for i := range 5 {
		_, _ = tx.Send(i)
	}
	tx.Close()
	got := drain(t.Context(), rx)
	if len(got) != 3 {
		t.Fatalf("All = %v; want a lag then 3, 4", got)
	}
	var lag *broadcast.LagError
	if !errors.As(got[0].err, &lag) || lag.Missed != 3 {
		t.Fatalf("first yield = %v; want a *LagError missing 3", got[0])
	}
	if want := []event{{3, nil}, {4, nil}}; !slices.Equal(got[1:], want) {
		t.Fatalf("after the lag All = %v; want %v", got[1:], want)
	}
}

// TestAllCancelledYieldsTheErrorOnceAndKeepsThePosition proves All's
// # Cancellation paragraph, for a loop waiting for a value and for one that
// has values ready.
func TestAllCancelledYieldsTheErrorOnceAndKeepsThePosition(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		tx, rx := broadcast.New[int](8)
		defer tx.Close()
		ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
		defer cancel()
		want := []event{{0, context.DeadlineExceeded}}
		if got := drain(ctx, rx); !slices.Equal(got, want) {
			t.Fatalf("All on an idle channel = %v; want %v", got, want)
		}

		for i := range 4 {
			_, _ = tx.Send(i)
		}
		ctx2, cancel2 := context.WithCancel(t.Context())
		defer cancel2()
		var got []event
		for v, err := range rx.All(ctx2) {
			got = append(got, event{v, err})
			if v == 1 {
				cancel2()
			}
		}
		want = []event{{0, nil}, {1, nil}, {0, context.Canceled}}
		if !slices.Equal(got, want) {
			t.Fatalf("All cancelled after 1 = %v; want %v", got, want)
		}
		if v, err := rx.TryRecv(); v != 2 || err != nil {
			t.Fatalf("TryRecv after the cancelled loop = %v, %v; want 2", v, err)
		}
	})
}

// TestAllBreakKeepsThePosition: breaking out leaves the receiver after the
// last value yielded.
func TestAllBreakKeepsThePosition(t *testing.T) {
	tx, rx := broadcast.New[int](8)
	defer tx.Close()
	for i := range 3 {
		_, _ = tx.Send(i)
	}
	for v := range rx.All(t.Context()) {
		if v == 0 {
			break
		}
	}
	if v, err := rx.TryRecv(); v != 1 || err != nil {
		t.Fatalf("TryRecv after break = %v, %v; want 1", v, err)
	}
}
