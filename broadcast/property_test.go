package broadcast_test

import (
	"context"
	"errors"
	"runtime"
	"sync"
	"testing"

	"github.com/shio-rt/shio/broadcast"
	"pgregory.net/rapid"
)

// TestReceiversSeeAnInOrderSequenceWhoseOnlyGapsAreReportedLags sends
// 0..n-1 to receivers that read at random speeds. Each receiver's view,
// reading values and lag counts in turn, must account for every value
// exactly: the next value received is always the previous one plus one plus
// the lags reported in between, and the stream ends at n.
func TestReceiversSeeAnInOrderSequenceWhoseOnlyGapsAreReportedLags(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		capacity := rapid.IntRange(1, 16).Draw(t, "capacity")
		n := rapid.IntRange(0, 300).Draw(t, "n")
		receivers := rapid.IntRange(1, 4).Draw(t, "receivers")
		useTry := rapid.Bool().Draw(t, "useTry")
		pauses := make([]int, receivers) // yield every pause-th receive
		for i := range pauses {
			pauses[i] = rapid.IntRange(1, 10).Draw(t, "pause")
		}
		tx, rx0 := broadcast.New[int](capacity)
		rx0.Close() // only the receivers below
		var wg sync.WaitGroup
		for i := range receivers {
			rx := tx.Subscribe()
			wg.Go(func() {
				defer rx.Close()
				next, lags := 0, 0
				for k := 0; ; k++ {
					if k%pauses[i] == 0 {
						runtime.Gosched()
					}
					var v int
					var err error
					if useTry {
						v, err = rx.TryRecv()
						if errors.Is(err, broadcast.ErrEmpty) {
							runtime.Gosched()
							continue
						}
					} else {
						v, err = rx.Recv(context.Background())
					}
					var lag *broadcast.LagError
					switch {
					case err == nil:
						if v != next {
							t.Errorf("receiver %d: got %d, want %d", i, v, next)
							return
						}
						next++
					case errors.As(err, &lag):
						if lag.Missed == 0 {
							t.Errorf("receiver %d: empty lag", i)
						}
						next += int(lag.Missed)
						lags++
					case errors.Is(err, broadcast.ErrClosed):
						if next != n {
							t.Errorf("receiver %d: stream ended at %d, want %d (last value missed)", i, next, n)
						}
						return
					default:
						t.Errorf("receiver %d: %v", i, err)
						return
					}
				}
			})
		}
		for i := range n {
			if got, err := tx.Send(i); err != nil || got > receivers {
				t.Fatalf("Send = %d, %v", got, err)
			}
		}
		tx.Close()
		wg.Wait()
	})
}
