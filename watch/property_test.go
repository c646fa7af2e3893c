package watch_test

import (
	"context"
	"errors"
	"runtime"
	"sync"
	"testing"

	"github.com/shio-rt/shio/watch"
	"pgregory.net/rapid"
)

// TestReceiversNeverGoBackAndNeverMissTheLastValue publishes 1..n through a
// random mix of Send, SendModify and SendIfModified while receivers follow
// with Changed, WaitFor and Load at random speeds. Every receiver sees a
// non-decreasing sequence, and its last value before ErrClosed is n.
func TestReceiversNeverGoBackAndNeverMissTheLastValue(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		n := rapid.IntRange(0, 200).Draw(t, "n")
		receivers := rapid.IntRange(1, 4).Draw(t, "receivers")
		ops := rapid.SliceOfN(rapid.IntRange(0, 2), n, n).Draw(t, "ops")
		styles := rapid.SliceOfN(rapid.IntRange(0, 2), receivers, receivers).Draw(t, "styles")

		tx, first := watch.New(0)
		rxs := []*watch.Receiver[int]{first}
		for range receivers - 1 {
			rxs = append(rxs, tx.Subscribe())
		}
		var wg sync.WaitGroup
		for i, rx := range rxs {
			wg.Go(func() {
				defer rx.Close()
				last := 0
				check := func(v int) {
					if v < last {
						t.Errorf("receiver %d went back from %d to %d", i, last, v)
					}
					last = v
				}
				for k := 0; ; k++ {
					if k%3 == 0 {
						runtime.Gosched()
					}
					var err error
					switch styles[i] {
					case 0:
						if err = rx.Changed(context.Background()); err == nil {
							check(rx.LoadAndMarkSeen())
						}
					case 1:
						want := last + 1
						var v int
						if v, err = rx.WaitFor(context.Background(), func(v int) bool { return v >= want }); err == nil {
							check(v)
						}
					case 2:
						check(rx.Load())
						var changed bool
						changed, err = rx.HasChanged()
						if changed {
							err = nil
							rx.MarkSeen()
							check(rx.Load())
						}
					}
					if errors.Is(err, watch.ErrClosed) {
						check(rx.Load())
						if last != n {
							t.Errorf("receiver %d ended at %d; want %d", i, last, n)
						}
						return
					}
					if err != nil {
						t.Errorf("receiver %d: %v", i, err)
						return
					}
				}
			})
		}
		for i, op := range ops {
			v := i + 1
			switch op {
			case 0:
				if err := tx.Send(v); err != nil {
					t.Fatalf("Send: %v", err)
				}
			case 1:
				tx.SendModify(func(p *int) { *p = v })
			case 2:
				if !tx.SendIfModified(func(p *int) bool { *p = v; return true }) {
					t.Fatal("SendIfModified reported no change")
				}
			}
		}
		tx.Close()
		wg.Wait()
	})
}
