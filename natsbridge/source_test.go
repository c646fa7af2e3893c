package natsbridge_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/shio-rt/shio/natsbridge"
	"github.com/shio-rt/shio/stream"
)

func TestSourceDeliversInOrderAndAckRemovesPending(t *testing.T) {
	e := start(t)
	cons := e.stream(t, "IN", 30*time.Second)
	e.fill(t, "IN.x", 100)
	ctx := testCtx(t)
	src := natsbridge.NewSource(cons, natsbridge.SourceConfig[int]{Batch: 8})
	defer src.Close()
	for i := range 100 {
		m, err := src.Next(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if m.Value != i || m.Delivered != 1 || m.Subject != "IN.x" || m.ID != fmt.Sprintf("IN:%d", i+1) {
			t.Fatalf("message %d = %+v", i, m)
		}
		if err := m.AckSync(ctx); err != nil {
			t.Fatal(err)
		}
	}
	info, err := cons.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if info.NumAckPending != 0 || info.NumPending != 0 {
		t.Fatalf("after acking all: ack pending %d, pending %d", info.NumAckPending, info.NumPending)
	}
}

func TestSourceNextCancelledLosesNothing(t *testing.T) {
	e := start(t)
	cons := e.stream(t, "IN", 30*time.Second)
	ctx := testCtx(t)
	src := natsbridge.NewSource(cons, natsbridge.SourceConfig[int]{})
	defer src.Close()

	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	if _, err := src.Next(short); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Next on an empty stream with a short ctx = %v, want DeadlineExceeded", err)
	}
	e.fill(t, "IN.x", 3)
	// Let the messages reach the client's buffer, then cancel a Next before
	// it starts: the buffered messages must all still come, in order.
	cancelled, cancel2 := context.WithCancel(ctx)
	cancel2()
	if _, err := src.Next(cancelled); !errors.Is(err, context.Canceled) {
		t.Fatalf("Next with a cancelled ctx = %v", err)
	}
	for i := range 3 {
		m, err := src.Next(ctx)
		if err != nil || m.Value != i || m.Delivered != 1 {
			t.Fatalf("after cancellation, message %d = %+v, %v", i, m, err)
		}
		m.Ack()
	}
}

func TestSourceAllEndsQuietlyAfterClose(t *testing.T) {
	e := start(t)
	cons := e.stream(t, "IN", 30*time.Second)
	e.fill(t, "IN.x", 5)
	ctx := testCtx(t)
	src := natsbridge.NewSource(cons, natsbridge.SourceConfig[int]{})
	n := 0
	for m, err := range src.All(ctx) {
		if err != nil {
			t.Fatal(err)
		}
		m.Ack()
		if n++; n == 5 {
			src.Close()
		}
	}
	if n != 5 {
		t.Fatalf("got %d messages, want 5", n)
	}
	if _, err := src.Next(ctx); err != natsbridge.ErrClosed {
		t.Fatalf("Next after Close = %v, want ErrClosed", err)
	}
}

func TestTryMapNaksFailuresWithDelayAndTermsPoison(t *testing.T) {
	e := start(t)
	cons := e.stream(t, "IN", 30*time.Second)
	e.fill(t, "IN.x", 6)
	ctx := testCtx(t)
	src := natsbridge.NewSource(cons, natsbridge.SourceConfig[int]{NakDelay: 100 * time.Millisecond})
	failedOnce := false
	var failures []string
	s := natsbridge.TryMap(src, func(_ context.Context, v int) (int, error) {
		switch {
		case v == 2 && !failedOnce:
			failedOnce = true
			return 0, errors.New("transient")
		case v == 4:
			return 0, natsbridge.Poison(errors.New("cannot parse"))
		}
		return v * 10, nil
	}, func(m *natsbridge.Message[int], err error) {
		failures = append(failures, fmt.Sprintf("%d@%d: %v", m.Value, m.Delivered, err))
	})
	defer s.Close()
	got := map[int]uint64{}
	for len(got) < 5 {
		m, err := s.Next(ctx)
		if err != nil {
			t.Fatal(err)
		}
		got[m.Value] = m.Delivered
		m.Ack()
	}
	want := map[int]uint64{0: 1, 10: 1, 20: 2, 30: 1, 50: 1}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("results (value: delivered) = %v, want %v", got, want)
	}
	if len(failures) != 2 {
		t.Fatalf("failures = %q", failures)
	}
	// The poison message is gone for good: nothing is pending or redelivered.
	pollUntil(ctx, t, "poison message terminated", func() bool {
		info, err := cons.Info(ctx)
		return err == nil && info.NumAckPending == 0 && info.NumRedelivered == 0 && info.NumPending == 0
	})
}

func TestSourceTermsUndecodableMessages(t *testing.T) {
	e := start(t)
	cons := e.stream(t, "IN", 30*time.Second)
	ctx := testCtx(t)
	if _, err := e.js.Publish(ctx, "IN.x", []byte("not json")); err != nil {
		t.Fatal(err)
	}
	e.fill(t, "IN.x", 1)
	var poisoned error
	src := natsbridge.NewSource(cons, natsbridge.SourceConfig[int]{OnPoison: func(err error) { poisoned = err }})
	defer src.Close()
	m, err := src.Next(ctx)
	if err != nil || m.Value != 0 {
		t.Fatalf("Next = %+v, %v; want the decodable message", m, err)
	}
	var derr *natsbridge.DecodeError
	if !errors.As(poisoned, &derr) || string(derr.Data) != "not json" {
		t.Fatalf("OnPoison got %v", poisoned)
	}
}

// TestSlowPipelinePullsNoMoreThanABatch is the memory bound: with 2000
// messages stored and a pipeline that has taken one, the client holds at
// most Batch of them.
func TestSlowPipelinePullsNoMoreThanABatch(t *testing.T) {
	e := start(t)
	cons := e.stream(t, "IN", 30*time.Second)
	e.fill(t, "IN.x", 2000)
	ctx := testCtx(t)
	const batch = 16
	src := natsbridge.NewSource(cons, natsbridge.SourceConfig[int]{Batch: batch})
	defer src.Close()
	if _, err := src.Next(ctx); err != nil {
		t.Fatal(err)
	}
	// Watch the server's count of deliveries for a while: it must stay
	// within one batch (plus the message taken) however long we wait.
	deadline := time.Now().Add(300 * time.Millisecond)
	max := uint64(0)
	for time.Now().Before(deadline) {
		info, err := cons.Info(ctx)
		if err != nil {
			t.Fatal(err)
		}
		max = info.Delivered.Consumer
		if max > batch+1 {
			t.Fatalf("server delivered %d messages to a pipeline that took 1 (batch %d)", max, batch)
		}
		time.Sleep(20 * time.Millisecond) // sampling, not synchronising
	}
	t.Logf("delivered to the client: %d of 2000", max)
}

func TestPipelineSourceMapPublishAll(t *testing.T) {
	e := start(t)
	cons := e.stream(t, "IN", 30*time.Second)
	e.stream(t, "OUT", 30*time.Second)
	e.fill(t, "IN.x", 500)
	ctx := testCtx(t)
	pub, err := natsbridge.NewPublisher(e.nc, natsbridge.PublisherConfig[int]{Subject: "OUT.y", MaxInFlight: 32})
	if err != nil {
		t.Fatal(err)
	}
	defer pub.Close()
	src := natsbridge.NewSource(cons, natsbridge.SourceConfig[int]{})
	s := stream.Map(stream.Take[*natsbridge.Message[int]](src, 500), func(m *natsbridge.Message[int]) *natsbridge.Message[int] {
		return natsbridge.Carry(m, m.Value+1000)
	})
	if err := pub.PublishAll(ctx, s); err != nil {
		t.Fatal(err)
	}
	got := e.stored(t, "OUT")
	for i := range 500 {
		if got[i+1000] != 1 {
			t.Fatalf("value %d stored %d times", i+1000, got[i+1000])
		}
	}
	pollUntil(ctx, t, "every input acked", func() bool {
		info, err := cons.Info(ctx)
		return err == nil && info.NumAckPending == 0 && info.NumPending == 0
	})
}

func TestSourceWithBytesCodecPassesPayloadsThrough(t *testing.T) {
	e := start(t)
	cons := e.stream(t, "IN", 30*time.Second)
	ctx := testCtx(t)
	if _, err := e.js.Publish(ctx, "IN.raw", []byte("not json at all")); err != nil {
		t.Fatal(err)
	}
	src := natsbridge.NewSource(cons, natsbridge.SourceConfig[[]byte]{Codec: natsbridge.Bytes{}})
	defer src.Close()
	m, err := src.Next(ctx)
	if err != nil || string(m.Value) != "not json at all" {
		t.Fatalf("Next = %+v, %v", m, err)
	}
}
