package ctxsync_test

import (
	"context"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/shio-rt/shio/ctxsync"
	"pgregory.net/rapid"
)

// TestCellFirstSetWins is the property test: of concurrent Sets exactly one
// wins, and every reader, early or late, sees the winner's value.
func TestCellFirstSetWins(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		g := rapid.IntRange(1, 8).Draw(rt, "setters")
		var c ctxsync.Cell[int]
		if _, ok := c.TryGet(); ok {
			rt.Fatal("empty cell has a value")
		}
		got := make(chan int, 1)
		go func() {
			v, _ := c.Get(context.Background())
			got <- v
		}()
		winners := make(chan int, g)
		var wg sync.WaitGroup
		for i := range g {
			wg.Go(func() {
				if c.Set(i + 1) {
					winners <- i + 1
				}
			})
		}
		wg.Wait()
		close(winners)
		w, ok := <-winners
		if !ok || len(winners) != 0 {
			rt.Fatal("not exactly one winner")
		}
		if v := <-got; v != w {
			rt.Fatalf("early Get = %d, winner %d", v, w)
		}
		if v, ok := c.TryGet(); !ok || v != w {
			rt.Fatalf("TryGet = %d, %v", v, ok)
		}
		if c.Set(-1) {
			rt.Fatal("Set on a full cell won")
		}
	})
}

// TestCellWaitersAreDurablyBlocked is the synctest proof, and shows Get's
// # Cancellation: a timed-out Get leaves the cell empty and settable.
func TestCellWaitersAreDurablyBlocked(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var c ctxsync.Cell[string]
		ctx, cancel := context.WithTimeout(t.Context(), time.Second)
		defer cancel()
		start := time.Now()
		type res struct {
			v   string
			err error
		}
		done := make(chan res, 1)
		go func() {
			v, err := c.Get(ctx)
			done <- res{v, err}
		}()
		synctest.Wait()
		if !pending(done) {
			t.Fatal("Get returned on an empty cell")
		}
		if r := <-done; r.err != context.DeadlineExceeded || r.v != "" {
			t.Fatalf("Get = %+v", r)
		}
		if d := time.Since(start); d != time.Second {
			t.Fatalf("deadline fired after %v", d)
		}
		if !c.Set("x") {
			t.Fatal("Set after a cancelled Get did not win")
		}
		select {
		case <-c.Done():
		default:
			t.Fatal("Done not closed after Set")
		}
	})
}
