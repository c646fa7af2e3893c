package waitq_test

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"testing/synctest"

	"github.com/shio-rt/shio/ctxsync/internal/waitq"
	"pgregory.net/rapid"
)

// TestQueueIsFIFOUnderRemoval checks, against a slice model, that Front,
// Push, Remove and Wake keep insertion order whatever is removed.
func TestQueueIsFIFOUnderRemoval(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		var q waitq.Queue
		var model []*waitq.Waiter
		next := int64(0)
		ops := rapid.SliceOfN(rapid.IntRange(0, 2), 1, 60).Draw(t, "ops")
		for _, op := range ops {
			switch {
			case op == 0 || len(model) == 0:
				model = append(model, q.Push(next))
				next++
			case op == 1: // remove an arbitrary waiter
				i := rapid.IntRange(0, len(model)-1).Draw(t, "i")
				if !q.Remove(model[i]) {
					t.Fatalf("Remove of a queued waiter reported false")
				}
				if q.Remove(model[i]) {
					t.Fatalf("second Remove reported true")
				}
				model = slices.Delete(model, i, i+1)
			case op == 2: // wake the front
				w := q.Front()
				if w != model[0] {
					t.Fatalf("Front is %d, want %d", w.N, model[0].N)
				}
				q.Wake(w, nil)
				select {
				case <-w.Ready():
				default:
					t.Fatalf("Wake did not close the channel")
				}
				model = model[1:]
			}
			if q.Len() != len(model) {
				t.Fatalf("Len = %d, want %d", q.Len(), len(model))
			}
			if len(model) > 0 && q.Front() != model[0] {
				t.Fatalf("Front is %d, want %d", q.Front().N, model[0].N)
			}
			if len(model) == 0 && q.Front() != nil {
				t.Fatalf("Front of an empty queue is not nil")
			}
		}
	})
}

func TestWakeTwicePanics(t *testing.T) {
	var q waitq.Queue
	w := q.Push(1)
	q.Wake(w, nil)
	defer func() {
		if recover() == nil {
			t.Fatal("second Wake did not panic")
		}
	}()
	q.Wake(w, nil)
}

func TestWaitReturnsGrantOrError(t *testing.T) {
	errRefused := errors.New("refused")
	for _, want := range []error{nil, errRefused} {
		var mu sync.Mutex
		var q waitq.Queue
		mu.Lock()
		w := q.Push(0)
		mu.Unlock()
		go func() {
			mu.Lock()
			q.Wake(q.Front(), want)
			mu.Unlock()
		}()
		got := q.Wait(context.Background(), &mu, w, func(*waitq.Waiter, bool) {
			t.Error("cancel ran without cancellation")
		})
		if got != want {
			t.Fatalf("Wait = %v, want %v", got, want)
		}
	}
}

// TestCancelledWaitRemovesQueuedWaiter proves the first cancellation case:
// a waiter still queued is removed and cancel sees granted == false.
func TestCancelledWaitRemovesQueuedWaiter(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var mu sync.Mutex
		var q waitq.Queue
		ctx, cancel := context.WithCancel(t.Context())
		mu.Lock()
		w := q.Push(0)
		mu.Unlock()
		var calls []bool
		done := make(chan error)
		go func() {
			done <- q.Wait(ctx, &mu, w, func(_ *waitq.Waiter, granted bool) { calls = append(calls, granted) })
		}()
		synctest.Wait()
		cancel()
		if err := <-done; err != context.Canceled {
			t.Fatalf("Wait = %v, want context.Canceled", err)
		}
		if !slices.Equal(calls, []bool{false}) {
			t.Fatalf("cancel calls = %v, want [false]", calls)
		}
		if q.Len() != 0 || w.Queued() {
			t.Fatalf("waiter still queued after cancellation")
		}
	})
}

// TestCancelRacingGrantLosesNothing proves the second and third cases: when
// the grant and the cancellation are both ready, either Wait returns the
// grant (nil) or it returns ctx.Err() and hands the grant to cancel, never
// both and never neither; a refusal is returned as is.
func TestCancelRacingGrantLosesNothing(t *testing.T) {
	errRefused := errors.New("refused")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	seen := map[string]bool{}
	for range 200 {
		for _, outcome := range []error{nil, errRefused} {
			var mu sync.Mutex
			var q waitq.Queue
			w := q.Push(0)
			q.Wake(w, outcome)
			handedBack := 0
			err := q.Wait(ctx, &mu, w, func(_ *waitq.Waiter, granted bool) {
				if !granted {
					t.Fatal("cancel saw a woken waiter as queued")
				}
				handedBack++
			})
			switch {
			case outcome == errRefused:
				if err != errRefused || handedBack != 0 {
					t.Fatalf("refused wait: err %v, hand-backs %d", err, handedBack)
				}
			case err == nil && handedBack == 0:
				seen["kept"] = true
			case err == context.Canceled && handedBack == 1:
				seen["handed back"] = true
			default:
				t.Fatalf("granted wait: err %v, hand-backs %d", err, handedBack)
			}
		}
	}
	if !seen["kept"] || !seen["handed back"] {
		t.Fatalf("200 races did not exercise both outcomes: %v", seen)
	}
}

// TestWaitersCrossBubbles: waiters are recycled, but nothing made inside a
// testing/synctest bubble may reach code outside it (that is a fatal error,
// not a test failure). Contended waits in two bubbles and then outside any
// bubble must all work.
func TestWaitersCrossBubbles(t *testing.T) {
	var mu sync.Mutex
	var q waitq.Queue
	contended := func(ctx context.Context) {
		for range 50 {
			mu.Lock()
			w := q.Push(1)
			mu.Unlock()
			go func() {
				mu.Lock()
				q.Wake(q.Front(), nil)
				mu.Unlock()
			}()
			if err := q.Wait(ctx, &mu, w, func(*waitq.Waiter, bool) {}); err != nil {
				t.Fatal(err)
			}
		}
	}
	synctest.Test(t, func(t *testing.T) { contended(t.Context()) })
	synctest.Test(t, func(t *testing.T) { contended(t.Context()) })
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	contended(ctx)
}
