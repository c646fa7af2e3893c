package ctxsync_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/shio-rt/shio/ctxsync"
	"pgregory.net/rapid"
)

// TestEventSetOnce is the property test: of any number of concurrent Sets
// exactly one reports true, and afterwards every view says set.
func TestEventSetOnce(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		g := rapid.IntRange(1, 8).Draw(rt, "setters")
		early := rapid.Bool().Draw(rt, "done before set")
		var e ctxsync.Event
		var c <-chan struct{}
		if early {
			c = e.Done()
		}
		var won atomic.Int32
		var wg sync.WaitGroup
		for range g {
			wg.Go(func() {
				if e.Set() {
					won.Add(1)
				}
			})
		}
		wg.Wait()
		if won.Load() != 1 {
			rt.Fatalf("%d Sets won", won.Load())
		}
		if c == nil {
			c = e.Done()
		}
		if !e.IsSet() || pending(c) || e.Wait(context.Background()) != nil {
			rt.Fatal("set event does not look set")
		}
	})
}

// TestEventWaitersAreDurablyBlocked is the synctest proof, and shows
// Wait's # Cancellation: a timed-out Wait leaves the event unset and other
// waiters waiting.
func TestEventWaitersAreDurablyBlocked(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var e ctxsync.Event
		ctx, cancel := context.WithTimeout(t.Context(), time.Second)
		defer cancel()
		start := time.Now()
		timed := make(chan error, 1)
		go func() { timed <- e.Wait(ctx) }()
		other := make(chan error, 1)
		go func() { other <- e.Wait(t.Context()) }()
		synctest.Wait()
		if !pending(timed) || !pending(other) {
			t.Fatal("Wait returned on an unset event")
		}
		if err := <-timed; err != context.DeadlineExceeded {
			t.Fatalf("Wait = %v", err)
		}
		if d := time.Since(start); d != time.Second {
			t.Fatalf("deadline fired after %v", d)
		}
		synctest.Wait()
		if e.IsSet() || !pending(other) {
			t.Fatal("the cancelled Wait disturbed the event")
		}
		e.Set()
		if err := <-other; err != nil {
			t.Fatal(err)
		}
	})
}

// TestEventIsSetOnceDoneIsClosed: a waiter released by Done must see the
// event set (Set once closed the channel before marking itself set).
func TestEventIsSetOnceDoneIsClosed(t *testing.T) {
	for i := range 20000 {
		var e ctxsync.Event
		done := e.Done() // the channel exists, so Set closes it
		go e.Set()
		<-done
		if !e.IsSet() {
			t.Fatalf("round %d: Done closed but IsSet reports false", i)
		}
	}
}
