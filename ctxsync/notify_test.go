package ctxsync_test

import (
	"context"
	"slices"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/shio-rt/shio/ctxsync"
	"pgregory.net/rapid"
)

// TestNotifyMatchesModel is the property test: random sequences of waits,
// cancellations, NotifyOne and NotifyAll wake exactly the waiters that a
// FIFO queue plus one stored permit would.
func TestNotifyMatchesModel(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		ops := rapid.SliceOfN(rapid.IntRange(0, 3), 1, 40).Draw(rt, "ops")
		picks := rapid.SliceOfN(rapid.IntRange(0, 1000), len(ops), len(ops)).Draw(rt, "picks")
		var failure string
		synctest.Test(t, func(t *testing.T) {
			var n ctxsync.Notify
			var mu sync.Mutex
			woken := map[int]bool{} // by the real Notify
			var cancels []context.CancelFunc
			var wg sync.WaitGroup
			// the model
			var queue []int
			permit := false
			want := map[int]bool{}
			for k, op := range ops {
				switch op {
				case 0: // a new waiter
					id := len(cancels)
					ctx, cancel := context.WithCancel(t.Context())
					cancels = append(cancels, cancel)
					wg.Go(func() {
						if n.Wait(ctx) == nil {
							mu.Lock()
							woken[id] = true
							mu.Unlock()
						}
					})
					if permit {
						permit = false
						want[id] = true
					} else {
						queue = append(queue, id)
					}
				case 1: // cancel a waiting one
					if len(queue) == 0 {
						continue
					}
					i := picks[k] % len(queue)
					cancels[queue[i]]()
					queue = slices.Delete(queue, i, i+1)
				case 2:
					n.NotifyOne()
					if len(queue) == 0 {
						permit = true
					} else {
						want[queue[0]] = true
						queue = queue[1:]
					}
				case 3:
					n.NotifyAll()
					for _, id := range queue {
						want[id] = true
					}
					queue = nil
				}
				synctest.Wait()
				mu.Lock()
				same := len(woken) == len(want)
				for id := range want {
					same = same && woken[id]
				}
				mu.Unlock()
				if !same && failure == "" {
					failure = "after op " + string(rune('0'+op)) + " the woken set differs from the model"
				}
			}
			for _, c := range cancels {
				c()
			}
			wg.Wait()
		})
		if failure != "" {
			rt.Fatal(failure)
		}
	})
}

// TestNotifyWaitersAreDurablyBlocked is the synctest proof.
func TestNotifyWaitersAreDurablyBlocked(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var n ctxsync.Notify
		ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
		defer cancel()
		start := time.Now()
		done := make(chan error, 1)
		go func() { done <- n.Wait(ctx) }()
		synctest.Wait()
		time.Sleep(9 * time.Second)
		synctest.Wait()
		if !pending(done) {
			t.Fatal("Wait returned without a notification")
		}
		if err := <-done; err != context.DeadlineExceeded {
			t.Fatalf("Wait = %v", err)
		}
		if d := time.Since(start); d != 10*time.Second {
			t.Fatalf("deadline fired after %v, want 10s", d)
		}
	})
}

// TestNotifyOneStoresOnePermit: several NotifyOne with nobody waiting let
// exactly one later Wait through.
func TestNotifyOneStoresOnePermit(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var n ctxsync.Notify
		n.NotifyOne()
		n.NotifyOne()
		if err := n.Wait(t.Context()); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- n.Wait(t.Context()) }()
		synctest.Wait()
		if !pending(done) {
			t.Fatal("a second Wait consumed a second permit")
		}
		n.NotifyAll()
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	})
}

// TestNotifyAllWakesCurrentWaitersOnly: NotifyAll stores nothing.
func TestNotifyAllWakesCurrentWaitersOnly(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var n ctxsync.Notify
		a, b := n.Notified(), n.Notified()
		n.NotifyAll()
		<-a.Done()
		<-b.Done()
		c := n.Notified()
		synctest.Wait()
		if !pending(c.Done()) {
			t.Fatal("NotifyAll woke a later waiter")
		}
		c.Cancel()
	})
}

// TestNotifyCancelledWaitPassesNotificationOn proves Wait's
// # Cancellation: a NotifyOne given to a cancelled waiter reaches the next
// waiter, or is stored as the permit; it is never lost.
func TestNotifyCancelledWaitPassesNotificationOn(t *testing.T) {
	for range 300 {
		var n ctxsync.Notify
		ctx, cancel := context.WithCancel(context.Background())
		a := make(chan error, 1)
		go func() { a <- n.Wait(ctx) }()
		go cancel()
		n.NotifyOne()
		if err := <-a; err == nil {
			continue // a consumed it
		}
		// a gave up: the notification must still be there.
		if err := n.Wait(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
}

func TestNotifyTicketInSelect(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var n ctxsync.Notify
		other := make(chan struct{})
		t1 := n.Notified()
		t2 := n.Notified()
		n.NotifyOne() // goes to t1, the oldest
		close(other)
		select {
		case <-t2.Done():
			t.Fatal("the younger ticket was notified first")
		case <-other:
			t1.Cancel() // t1 was not received from: pass it on
		}
		select {
		case <-t2.Done():
		default:
			t.Fatal("Cancel did not pass the notification on")
		}
		// With nobody left, a cancelled notified ticket stores the permit.
		t3 := n.Notified()
		n.NotifyOne()
		t3.Cancel()
		t3.Cancel()
		t4 := n.Notified()
		select {
		case <-t4.Done():
		default:
			t.Fatal("the permit was not stored by Cancel")
		}
	})
}
