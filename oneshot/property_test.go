package oneshot_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/shio-rt/shio/oneshot"
	"pgregory.net/rapid"
)

// TestValueIsDeliveredOrHandedBackExactlyOnce races Send, Sender.Close,
// Receiver.Close and receives in random orders: the value is either received
// exactly once or handed back by Send, never both and never lost.
func TestValueIsDeliveredOrHandedBackExactlyOnce(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		tx, rx := oneshot.New[int]()
		closeRx := rapid.Bool().Draw(t, "closeRx")
		closeTx := rapid.Bool().Draw(t, "closeTx")
		receivers := rapid.IntRange(1, 3).Draw(t, "receivers")
		v := rapid.Int().Draw(t, "v")

		var wg sync.WaitGroup
		var mu sync.Mutex
		got := 0
		handedBack := false
		sent := false
		for range receivers {
			wg.Go(func() {
				ctx, cancel := context.WithCancel(context.Background())
				defer cancel()
				if closeRx {
					// Poll instead of blocking: a closed receiver may wait forever
					// if the sender never sends.
					w, err := rx.TryRecv()
					if err == nil {
						if w != v {
							t.Errorf("received %d; want %d", w, v)
						}
						mu.Lock()
						got++
						mu.Unlock()
					}
					return
				}
				w, err := rx.Recv(ctx)
				if err == nil {
					if w != v {
						t.Errorf("received %d; want %d", w, v)
					}
					mu.Lock()
					got++
					mu.Unlock()
				} else if !errors.Is(err, oneshot.ErrClosed) {
					t.Errorf("Recv: %v", err)
				}
			})
		}
		wg.Go(func() {
			if closeRx {
				rx.Close()
			}
		})
		err := tx.Send(v)
		var se *oneshot.SendError[int]
		switch {
		case err == nil:
			sent = true
		case errors.As(err, &se):
			handedBack = se.Value == v
		default:
			t.Fatalf("Send: %v", err)
		}
		if closeTx {
			tx.Close()
		}
		wg.Wait()
		if !closeRx && got != 1 {
			t.Fatalf("received %d times; want exactly once", got)
		}
		if closeRx {
			// The value may stay unreceived after TryRecv raced with Send,
			// but then it must still be there.
			if sent && got == 0 {
				if w, err := rx.TryRecv(); err != nil || w != v {
					t.Fatalf("sent value lost: TryRecv = %d, %v", w, err)
				}
				got = 1
			}
			if sent == handedBack || (sent && got != 1) || (handedBack && got != 0) {
				t.Fatalf("sent=%v handedBack=%v received=%d", sent, handedBack, got)
			}
		}
	})
}
