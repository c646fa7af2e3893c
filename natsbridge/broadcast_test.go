package natsbridge_test

import (
	"context"
	"errors"
	"testing"

	"github.com/shio-rt/shio/broadcast"
	"github.com/shio-rt/shio/natsbridge"
	"github.com/shio-rt/shio/task"
)

type note struct {
	From, Seq int
}

// TestBroadcastEveryReceiverSeesEveryValueInEachPublishersOrder: three
// bridges on three connections (three processes, as far as NATS can tell),
// each with two receivers, all publishing at once.
func TestBroadcastEveryReceiverSeesEveryValueInEachPublishersOrder(t *testing.T) {
	e := start(t)
	ctx := testCtx(t)
	const procs, each = 3, 200
	var bridges []*natsbridge.Broadcast[note]
	var rxs []*broadcast.Receiver[note]
	for range procs {
		b, rx, err := natsbridge.NewBroadcast(ctx, connect(t, e.srv.URL()), natsbridge.BroadcastConfig[note]{Subject: "room", Capacity: 1024})
		if err != nil {
			t.Fatal(err)
		}
		defer b.Close()
		bridges = append(bridges, b)
		rxs = append(rxs, rx, b.Subscribe())
	}
	err := task.Scoped(ctx, func(ctx context.Context, s *task.Scope) error {
		for i, rx := range rxs {
			s.Go(func(ctx context.Context) error {
				defer rx.Close()
				next := make([]int, procs)
				for got := 0; got < procs*each; got++ {
					v, err := rx.Recv(ctx)
					if err != nil {
						return err
					}
					if v.Seq != next[v.From] {
						t.Errorf("receiver %d: from %d got seq %d, want %d", i, v.From, v.Seq, next[v.From])
					}
					next[v.From] = v.Seq + 1
				}
				return nil
			})
		}
		for p, b := range bridges {
			s.Go(func(context.Context) error {
				for i := range each {
					if err := b.Send(note{p, i}); err != nil {
						return err
					}
				}
				return nil
			})
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestBroadcastSlowReceiverToldExactlyHowManyItMissed(t *testing.T) {
	e := start(t)
	ctx := testCtx(t)
	b, fast, err := natsbridge.NewBroadcast(ctx, e.nc, natsbridge.BroadcastConfig[int]{Subject: "ticks", Capacity: 4})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	slow := b.Subscribe()
	other, _, err := natsbridge.NewBroadcast(ctx, connect(t, e.srv.URL()), natsbridge.BroadcastConfig[int]{Subject: "ticks"})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	for i := range 20 {
		if err := other.Send(i); err != nil {
			t.Fatal(err)
		}
		if v, err := fast.Recv(ctx); err != nil || v != i {
			t.Fatalf("fast receiver got %d, %v; want %d", v, err, i)
		}
	}
	_, err = slow.Recv(ctx)
	var lag *broadcast.LagError
	if !errors.As(err, &lag) || lag.Missed != 16 {
		t.Fatalf("slow receiver's first Recv = %v, want a LagError with Missed 16", err)
	}
	for want := 16; want < 20; want++ {
		if v, err := slow.Recv(ctx); err != nil || v != want {
			t.Fatalf("after the lag got %d, %v; want %d", v, err, want)
		}
	}
	b.Close()
	if _, err := slow.Recv(ctx); err != broadcast.ErrClosed {
		t.Fatalf("Recv after Close = %v, want broadcast.ErrClosed", err)
	}
}

func TestNewBroadcastCancelled(t *testing.T) {
	e := start(t)
	ctx, cancel := context.WithCancel(testCtx(t))
	cancel()
	if _, _, err := natsbridge.NewBroadcast(ctx, e.nc, natsbridge.BroadcastConfig[int]{Subject: "x"}); !errors.Is(err, context.Canceled) {
		t.Fatalf("NewBroadcast with a cancelled ctx = %v", err)
	}
	if n := e.nc.NumSubscriptions(); n != 0 {
		t.Fatalf("%d subscriptions left behind", n)
	}
}

func TestNewBroadcastWithoutDeadline(t *testing.T) {
	e := start(t)
	b, rx, err := natsbridge.NewBroadcast(context.Background(), e.nc, natsbridge.BroadcastConfig[int]{Subject: "x"})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	b.Send(7)
	if v, err := rx.Recv(testCtx(t)); v != 7 || err != nil {
		t.Fatalf("Recv = %d, %v", v, err)
	}
}
