package broadcast_test

import (
	"errors"
	"testing"

	"github.com/shio-rt/shio/broadcast"
	"pgregory.net/rapid"
)

// modelReceiver is a receiver and the position a model of the channel
// expects it to be at.
type modelReceiver struct {
	rx   *broadcast.Receiver[int]
	next int // index in the model's log of the next value it should get
}

// TestChannelMatchesAModelAcrossSubscribeAndClose drives one goroutine
// through random subscribes, resubscribes, receiver closes, sends and
// receives, including the moments when every receiver is gone and the
// channel drops what it kept. After each step the channel must agree with a
// model: a log of the values accepted, each receiver's position in it, and
// lags that skip to the oldest of the last capacity values.
func TestChannelMatchesAModelAcrossSubscribeAndClose(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		capacity := rapid.IntRange(1, 8).Draw(t, "capacity")
		tx, rx0 := broadcast.New[int](capacity)
		rx0.Close() // the model subscribes its own receivers
		size := tx.Cap()
		var log []int // values Send accepted, in order
		var open []*modelReceiver
		pick := func() *modelReceiver {
			return open[rapid.IntRange(0, len(open)-1).Draw(t, "receiver")]
		}
		next := 0 // the next value to send
		t.Repeat(map[string]func(*rapid.T){
			"subscribe": func(t *rapid.T) {
				open = append(open, &modelReceiver{rx: tx.Subscribe(), next: len(log)})
			},
			"resubscribe": func(t *rapid.T) {
				if len(open) == 0 {
					t.Skip("no receiver")
				}
				open = append(open, &modelReceiver{rx: pick().rx.Resubscribe(), next: len(log)})
			},
			"close": func(t *rapid.T) {
				if len(open) == 0 {
					t.Skip("no receiver")
				}
				i := rapid.IntRange(0, len(open)-1).Draw(t, "receiver")
				open[i].rx.Close()
				open = append(open[:i], open[i+1:]...)
			},
			"send": func(t *rapid.T) {
				n, err := tx.Send(next)
				switch {
				case len(open) == 0 && (n != 0 || !errors.Is(err, broadcast.ErrNoReceivers)):
					t.Fatalf("Send with no receiver = %d, %v; want ErrNoReceivers", n, err)
				case len(open) > 0 && (n != len(open) || err != nil):
					t.Fatalf("Send = %d, %v; want %d, nil", n, err, len(open))
				case err == nil:
					log = append(log, next)
				}
				next++
			},
			"recv": func(t *rapid.T) {
				if len(open) == 0 {
					t.Skip("no receiver")
				}
				m := pick()
				v, err := m.rx.TryRecv()
				var lag *broadcast.LagError
				switch oldest := len(log) - size; {
				case m.next == len(log):
					if !errors.Is(err, broadcast.ErrEmpty) {
						t.Fatalf("TryRecv = %d, %v; want ErrEmpty", v, err)
					}
				case m.next < oldest:
					if !errors.As(err, &lag) || lag.Missed != uint64(oldest-m.next) {
						t.Fatalf("TryRecv = %d, %v; want a lag of %d", v, err, oldest-m.next)
					}
					m.next = oldest
				default:
					if v != log[m.next] || err != nil {
						t.Fatalf("TryRecv = %d, %v; want %d", v, err, log[m.next])
					}
					m.next++
				}
			},
			"": func(t *rapid.T) {
				if got := tx.ReceiverCount(); got != len(open) {
					t.Fatalf("ReceiverCount = %d; want %d", got, len(open))
				}
				for _, m := range open {
					if got := m.rx.Len(); got != len(log)-m.next {
						t.Fatalf("Len = %d; want %d", got, len(log)-m.next)
					}
				}
			},
		})
		for _, m := range open {
			m.rx.Close()
		}
	})
}
