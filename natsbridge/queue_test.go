package natsbridge_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/shio-rt/shio/natsbridge"
	"github.com/shio-rt/shio/task"
)

func TestQueueCompetingReceiversTakeEachValueOnce(t *testing.T) {
	e := start(t)
	ctx := testCtx(t)
	// Three "processes": three connections, each with its own Queue handle.
	var qs []*natsbridge.Queue[int]
	for range 3 {
		q, err := natsbridge.OpenQueue(ctx, connect(t, e.srv.URL()), natsbridge.QueueConfig[int]{Name: "jobs"})
		if err != nil {
			t.Fatal(err)
		}
		qs = append(qs, q)
	}
	const n = 300
	var mu sync.Mutex
	seen := map[int]int{}
	per := make([]int, len(qs))
	wctx, stop := context.WithCancel(ctx)
	err := task.Scoped(ctx, func(_ context.Context, s *task.Scope) error {
		for i, q := range qs {
			s.Go(func(context.Context) error {
				rx := q.Receiver()
				defer rx.Close()
				for m, err := range rx.All(wctx) {
					if err != nil {
						return nil // stopped
					}
					mu.Lock()
					seen[m.Value]++
					per[i]++
					done := len(seen) == n
					mu.Unlock()
					m.Ack()
					if done {
						stop()
					}
				}
				return nil
			})
		}
		for i := range n {
			if err := qs[i%3].Send(ctx, i); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for i := range n {
		if seen[i] != 1 {
			t.Fatalf("value %d taken %d times", i, seen[i])
		}
	}
	t.Logf("values taken per receiver: %v", per)
	pollUntil(ctx, t, "queue empty", func() bool {
		l, err := qs[0].Len(ctx)
		return err == nil && l == 0
	})
}

func TestQueueSendWaitsAtCapacityAndHonoursCancellation(t *testing.T) {
	e := start(t)
	ctx := testCtx(t)
	q, err := natsbridge.OpenQueue(ctx, e.nc, natsbridge.QueueConfig[int]{Name: "small", Capacity: 2})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 2 {
		if err := q.Send(ctx, i); err != nil {
			t.Fatal(err)
		}
	}
	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	if err := q.Send(short, 2); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Send to a full queue = %v, want DeadlineExceeded", err)
	}
	rx := q.Receiver()
	defer rx.Close()
	sent := make(chan error, 1)
	go func() { sent <- q.Send(ctx, 2) }()
	m, err := rx.Recv(ctx)
	if err != nil || m.Value != 0 {
		t.Fatalf("Recv = %+v, %v", m, err)
	}
	m.AckSync(ctx)
	if err := <-sent; err != nil {
		t.Fatalf("Send after room was made = %v", err)
	}
	if l, _ := q.Len(ctx); l != 2 {
		t.Fatalf("Len = %d, want 2", l)
	}
}
