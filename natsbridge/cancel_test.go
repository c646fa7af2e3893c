package natsbridge_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/shio-rt/shio/natsbridge"
	"github.com/shio-rt/shio/stream"
)

// TestTryMapCancelledStageNaksAtOnce: a stage that returns ctx's error
// while ctx is done gets its message nakked without delay, so the next Next
// gets it again at once (not after the hour of NakDelay, nor after the
// minute of AckWait): redelivered, not lost.
func TestTryMapCancelledStageNaksAtOnce(t *testing.T) {
	e := start(t)
	cons := e.stream(t, "IN", time.Minute)
	e.fill(t, "IN.x", 1)
	ctx := testCtx(t)
	src := natsbridge.NewSource(cons, natsbridge.SourceConfig[int]{NakDelay: time.Hour})
	short, cancel := context.WithCancel(ctx)
	s := natsbridge.TryMap(src, func(ctx context.Context, v int) (int, error) {
		if ctx == short {
			cancel()
			return 0, ctx.Err()
		}
		return v, nil
	}, nil)
	defer s.Close()
	if _, err := s.Next(short); !errors.Is(err, context.Canceled) {
		t.Fatalf("Next = %v, want Canceled", err)
	}
	m, err := s.Next(ctx)
	if err != nil || m.Value != 0 || m.Delivered != 2 {
		t.Fatalf("after a cancelled stage: %+v, %v; want value 0 delivered twice", m, err)
	}
}

// TestPublishAllCancelledClosesTheSource: a cancelled PublishAll closes its
// source; every input is then stored or still pending, none lost.
func TestPublishAllCancelledClosesTheSource(t *testing.T) {
	e := start(t)
	cons := e.stream(t, "IN", time.Minute)
	e.stream(t, "OUT", time.Minute)
	e.fill(t, "IN.x", 3)
	ctx := testCtx(t)
	pub, err := natsbridge.NewPublisher(e.nc, natsbridge.PublisherConfig[int]{Subject: "OUT.y"})
	if err != nil {
		t.Fatal(err)
	}
	defer pub.Close()
	src := natsbridge.NewSource(cons, natsbridge.SourceConfig[int]{})
	short, cancel := context.WithCancel(ctx)
	n := 0
	s := stream.Map(src, func(m *natsbridge.Message[int]) *natsbridge.Message[int] {
		if n++; n == 3 {
			cancel() // the pipeline is told to stop while the third is on its way
		}
		return natsbridge.Carry(m, m.Value)
	})
	if err := pub.PublishAll(short, s); !errors.Is(err, context.Canceled) {
		t.Fatalf("PublishAll = %v, want Canceled", err)
	}
	if _, err := src.Next(ctx); err != natsbridge.ErrClosed {
		t.Fatalf("the source after PublishAll: %v, want ErrClosed", err)
	}
	if err := pub.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	// What was published is stored and its origin acknowledged; what was
	// not is still pending, to be redelivered.
	stored := len(e.stored(t, "OUT"))
	info, err := cons.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if stored+info.NumAckPending+int(info.NumPending) != 3 {
		t.Fatalf("stored %d, unacknowledged %d, pending %d: want 3 in all", stored, info.NumAckPending, info.NumPending)
	}
}

func TestOpenQueueCancelled(t *testing.T) {
	e := start(t)
	ctx, cancel := context.WithCancel(testCtx(t))
	cancel()
	if _, err := natsbridge.OpenQueue(ctx, e.nc, natsbridge.QueueConfig[int]{Name: "q"}); !errors.Is(err, context.Canceled) {
		t.Fatalf("OpenQueue with a cancelled ctx = %v", err)
	}
}

func TestAckSyncCancelled(t *testing.T) {
	e := start(t)
	cons := e.stream(t, "IN", time.Minute)
	e.fill(t, "IN.x", 1)
	ctx := testCtx(t)
	src := natsbridge.NewSource(cons, natsbridge.SourceConfig[int]{})
	defer src.Close()
	m, err := src.Next(ctx)
	if err != nil {
		t.Fatal(err)
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if err := m.AckSync(cancelled); !errors.Is(err, context.Canceled) {
		t.Fatalf("AckSync with a cancelled ctx = %v", err)
	}
}

// TestOrderedConsumerReplaysTheStream: a Source over an ordered consumer
// replays from the start, in stream order, and settling does nothing.
func TestOrderedConsumerReplaysTheStream(t *testing.T) {
	e := start(t)
	e.stream(t, "IN", time.Minute)
	e.fill(t, "IN.x", 50)
	ctx := testCtx(t)
	for pass := range 2 {
		oc, err := e.js.OrderedConsumer(ctx, "IN", jetstream.OrderedConsumerConfig{})
		if err != nil {
			t.Fatal(err)
		}
		src := natsbridge.NewSource(oc, natsbridge.SourceConfig[int]{})
		for i := range 50 {
			m, err := src.Next(ctx)
			if err != nil || m.Value != i {
				t.Fatalf("pass %d: message %d = %+v, %v", pass, i, m, err)
			}
			m.Ack()
		}
		src.Close()
	}
}
