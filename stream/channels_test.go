package stream_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"testing/synctest"
	"time"

	"github.com/shio-rt/shio/broadcast"
	"github.com/shio-rt/shio/mpsc"
	"github.com/shio-rt/shio/stream"
	"github.com/shio-rt/shio/watch"
)

func TestFromMPSCYieldsUntilSendersClose(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		tx, rx := mpsc.New[int](2)
		go func() {
			defer tx.Close()
			for i := range 5 {
				tx.Send(context.Background(), i)
			}
		}()
		got, err := stream.Collect(t.Context(), stream.FromMPSC(rx))
		if err != nil || !slices.Equal(got, []int{0, 1, 2, 3, 4}) {
			t.Errorf("got %v, %v", got, err)
		}
	})
}

func TestFromMPSCCloseClosesTheChannel(t *testing.T) {
	tx, rx := mpsc.New[int](1)
	s := stream.FromMPSC(rx)
	tx.Send(t.Context(), 1)
	if v, err := s.Next(t.Context()); v != 1 || err != nil {
		t.Fatalf("Next = %d, %v", v, err)
	}
	s.Close()
	if err := tx.Send(t.Context(), 2); !errors.Is(err, mpsc.ErrClosed) {
		t.Errorf("Send after the stream closed = %v, want mpsc.ErrClosed", err)
	}
}

func TestFromBroadcastReportsLagAndGoesOn(t *testing.T) {
	tx, rx := broadcast.New[int](2)
	s := stream.FromBroadcast(rx, nil)
	defer s.Close()
	for i := range 5 {
		tx.Send(i)
	}
	_, err := s.Next(t.Context())
	var lag *broadcast.LagError
	if !errors.As(err, &lag) || lag.Missed != 3 {
		t.Fatalf("err = %v, want a LagError missing 3", err)
	}
	tx.Close()
	got, err := stream.Collect(t.Context(), s)
	if err != nil || !slices.Equal(got, []int{3, 4}) {
		t.Errorf("after the lag: %v, %v; want [3 4]", got, err)
	}
}

func TestFromBroadcastOnLagKeepsLagOutOfTheStream(t *testing.T) {
	tx, rx := broadcast.New[int](2)
	var missed uint64
	s := stream.FromBroadcast(rx, func(n uint64) { missed += n })
	for i := range 5 {
		tx.Send(i)
	}
	tx.Close()
	got, err := stream.Collect(t.Context(), s)
	if err != nil || !slices.Equal(got, []int{3, 4}) || missed != 3 {
		t.Errorf("got %v, %v, missed %d; want [3 4], nil, 3", got, err, missed)
	}
}

func TestFromWatchYieldsCurrentThenLatestChange(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		tx, rx := watch.New("a")
		s := stream.FromWatch(rx)
		defer s.Close()
		if v, err := s.Next(t.Context()); v != "a" || err != nil {
			t.Fatalf("first Next = %q, %v; want the current value", v, err)
		}
		tx.Send("b")
		tx.Send("c") // coalesced with b
		if v, err := s.Next(t.Context()); v != "c" || err != nil {
			t.Fatalf("Next = %q, %v; want the latest, c", v, err)
		}
		ctx, cancel := context.WithTimeout(t.Context(), time.Second)
		defer cancel()
		if _, err := s.Next(ctx); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Next without a change = %v, want to wait", err)
		}
		go func() {
			time.Sleep(time.Second)
			tx.Send("d")
			tx.Close()
		}()
		got, err := stream.Collect(t.Context(), s)
		if err != nil || !slices.Equal(got, []string{"d"}) {
			t.Errorf("got %v, %v; want [d] then the end", got, err)
		}
	})
}

// TestAllYieldsALagAndGoesOn: as broadcast.Receiver.All, stream.All treats
// a lag as news, not as the end of the stream.
func TestAllYieldsALagAndGoesOn(t *testing.T) {
	tx, rx := broadcast.New[int](2)
	for i := range 5 {
		tx.Send(i)
	}
	tx.Close()
	var vals []int
	var lags []uint64
	for v, err := range stream.All(t.Context(), stream.FromBroadcast(rx, nil)) {
		var lag *broadcast.LagError
		if errors.As(err, &lag) {
			lags = append(lags, lag.Missed)
			continue
		}
		if err != nil {
			t.Fatalf("All yielded %v", err)
		}
		vals = append(vals, v)
	}
	if !slices.Equal(lags, []uint64{3}) || !slices.Equal(vals, []int{3, 4}) {
		t.Fatalf("All = lags %v, values %v; want [3], [3 4]", lags, vals)
	}
}
