package mpsc_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/shio-rt/shio/mpsc"
	"pgregory.net/rapid"
)

// msg identifies a value by its sender and that sender's sequence number.
type msg struct{ sender, seq int }

// TestNoLossNoDuplicationPerSenderFIFO runs random senders (plain, cancelled,
// try and permit sends) against a receiver that may close the channel part
// way through. Every value whose send reported success is received exactly
// once, values whose send failed are never received, and each sender's
// values arrive in the order it sent them.
func TestNoLossNoDuplicationPerSenderFIFO(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		capacity := rapid.IntRange(0, 40).Draw(t, "capacity") // 0: unbounded
		senders := rapid.IntRange(1, 4).Draw(t, "senders")
		perSender := rapid.IntRange(0, 60).Draw(t, "perSender")
		closeAfter := rapid.IntRange(-1, senders*perSender).Draw(t, "closeAfter") // -1: never
		modes := make([][]int, senders)
		for i := range modes {
			modes[i] = rapid.SliceOfN(rapid.IntRange(0, 4), perSender, perSender).Draw(t, "modes")
		}

		var tx *mpsc.Sender[msg]
		var rx *mpsc.Receiver[msg]
		if capacity == 0 {
			tx, rx = mpsc.NewUnbounded[msg]()
		} else {
			tx, rx = mpsc.New[msg](capacity)
		}
		handles := []*mpsc.Sender[msg]{tx}
		for range senders - 1 {
			handles = append(handles, tx.Clone())
		}

		delivered := make([][]int, senders) // seqs whose send succeeded, in order
		var wg sync.WaitGroup
		for id, h := range handles {
			wg.Go(func() {
				defer h.Close()
				for seq, mode := range modes[id] {
					m := msg{id, seq}
					var err error
					switch mode {
					case 0:
						err = h.Send(context.Background(), m)
					case 1: // a send that may be cancelled while it waits
						ctx, cancel := context.WithCancel(context.Background())
						go cancel()
						err = h.Send(ctx, m)
						cancel()
					case 2:
						err = h.TrySend(m)
					case 3:
						var p *mpsc.Permit[msg]
						if p, err = h.Reserve(context.Background()); err == nil {
							p.Send(m)
						}
					case 4: // a reservation given back: nothing is sent
						var p *mpsc.Permit[msg]
						if p, err = h.Reserve(context.Background()); err == nil {
							p.Release()
						}
						continue
					}
					switch {
					case err == nil:
						delivered[id] = append(delivered[id], seq)
					case errors.Is(err, mpsc.ErrClosed):
						return
					case errors.Is(err, mpsc.ErrFull), errors.Is(err, context.Canceled):
					default:
						t.Errorf("send: %v", err)
						return
					}
				}
			})
		}

		received := make([][]int, senders)
		n := 0
		for {
			if n == closeAfter {
				rx.Close()
			}
			m, err := rx.Recv(context.Background())
			if errors.Is(err, mpsc.ErrClosed) {
				break
			}
			if err != nil {
				t.Fatalf("Recv: %v", err)
			}
			received[m.sender] = append(received[m.sender], m.seq)
			n++
		}
		wg.Wait()
		for id := range senders {
			if len(received[id]) != len(delivered[id]) {
				t.Fatalf("sender %d: received %v, delivered %v", id, received[id], delivered[id])
			}
			for i := range received[id] {
				if received[id][i] != delivered[id][i] {
					t.Fatalf("sender %d: received %v, delivered %v", id, received[id], delivered[id])
				}
			}
		}
	})
}
