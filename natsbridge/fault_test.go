package natsbridge_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/shio-rt/shio/natsbridge"
	"github.com/shio-rt/shio/stream"
	"github.com/shio-rt/shio/task"
)

// runPipeline runs IN → +1000 → OUT in this process until ctx is done,
// starting the pipeline again after a failure, as a supervised service
// would. It returns how many messages it saw redelivered.
func runPipeline(ctx context.Context, e *env, cons jetstream.Consumer) (redelivered int, err error) {
	pub, err := natsbridge.NewPublisher(e.nc, natsbridge.PublisherConfig[int]{
		Subject: "OUT.y", AckTimeout: 300 * time.Millisecond, Attempts: 20,
	})
	if err != nil {
		return 0, err
	}
	defer pub.Close()
	for ctx.Err() == nil {
		src := natsbridge.NewSource(cons, natsbridge.SourceConfig[int]{Batch: 50})
		s := stream.Map(src, func(m *natsbridge.Message[int]) *natsbridge.Message[int] {
			if m.Delivered > 1 {
				redelivered++
			}
			return natsbridge.Carry(m, m.Value+1000)
		})
		pub.PublishAll(ctx, s)
		pub.Flush(ctx)
	}
	return redelivered, nil
}

// settled waits until OUT holds n messages and IN's consumer has nothing
// pending or unacknowledged.
func settled(ctx context.Context, t *testing.T, e *env, cons jetstream.Consumer, n int) {
	defer func() {
		if t.Failed() {
			st, err := e.js.Stream(context.Background(), "OUT")
			t.Logf("OUT: %+v %v", st.CachedInfo().State, err)
			st, err = e.js.Stream(context.Background(), "IN")
			t.Logf("IN: %+v %v", st.CachedInfo().State, err)
			info, err := cons.Info(context.Background())
			t.Logf("consumer: %+v %v", info, err)
		}
	}()
	pollUntil(ctx, t, fmt.Sprintf("all %d results stored and every input acked", n), func() bool {
		// A request in flight when the server restarts gets no answer:
		// each poll has its own deadline.
		ctx, cancel := context.WithTimeout(ctx, 500*time.Millisecond)
		defer cancel()
		st, err := e.js.Stream(ctx, "OUT")
		if err != nil || st.CachedInfo().State.Msgs < uint64(n) {
			return false
		}
		info, err := cons.Info(ctx)
		return err == nil && info.NumPending == 0 && info.NumAckPending == 0
	})
}

// checkExactlyOnce reports values of OUT missing or stored twice.
func checkExactlyOnce(t *testing.T, e *env, n int) (lost, dup int) {
	got := e.stored(t, "OUT")
	for i := range n {
		switch c := got[i+1000]; {
		case c == 0:
			lost++
		case c > 1:
			dup += c - 1
		}
	}
	if lost != 0 || dup != 0 || len(got) != n {
		t.Errorf("OUT: %d lost, %d duplicated, %d distinct values (want %d)", lost, dup, len(got), n)
	}
	return lost, dup
}

// TestKilledConsumerMidBatchIsRedelivered kills a consumer process (SIGKILL)
// while it holds messages it took but neither acknowledged nor published:
// they are delivered again to the survivor, and with message IDs every
// result is stored exactly once.
func TestKilledConsumerMidBatchIsRedelivered(t *testing.T) {
	e := start(t)
	cons := e.stream(t, "IN", time.Second)
	e.stream(t, "OUT", time.Minute)
	const n = 1000
	e.fill(t, "IN.x", n)
	ctx := testCtx(t)

	child := startChild(t, e.srv.URL(), 300)
	info, err := cons.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := child.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	child.Wait()
	t.Logf("killed the consumer process holding %d unacknowledged messages", info.NumAckPending)

	pctx, stop := context.WithCancel(ctx)
	var redelivered int
	err = task.Scoped(ctx, func(ctx context.Context, s *task.Scope) error {
		s.Go(func(context.Context) (err error) {
			redelivered, err = runPipeline(pctx, e, cons)
			return err
		})
		settled(ctx, t, e, cons, n)
		stop()
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	lost, dup := checkExactlyOnce(t, e, n)
	t.Logf("consumer killed mid-batch: %d redelivered to the survivor, %d lost, %d stored twice", redelivered, lost, dup)
	if redelivered == 0 {
		t.Error("nothing was redelivered: the child did not die mid-batch")
	}
}

// TestServerRestartMidStreamLosesNothing restarts the server (file storage)
// while a producer publishes and a pipeline consumes: the clients
// reconnect, the Publishers retry with the same IDs, unacknowledged inputs
// are redelivered, and every value is stored exactly once.
func TestServerRestartMidStreamLosesNothing(t *testing.T) {
	e := start(t)
	cons := e.stream(t, "IN", time.Second)
	e.stream(t, "OUT", time.Minute)
	const n = 2000
	ctx := testCtx(t)
	producer, err := natsbridge.NewPublisher(connect(t, e.srv.URL()), natsbridge.PublisherConfig[int]{
		Subject: "IN.x", MaxInFlight: 64, AckTimeout: 300 * time.Millisecond, Attempts: 20,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer producer.Close()

	pctx, stop := context.WithCancel(ctx)
	var redelivered int
	err = task.Scoped(ctx, func(ctx context.Context, s *task.Scope) error {
		s.Go(func(context.Context) (err error) {
			redelivered, err = runPipeline(pctx, e, cons)
			return err
		})
		s.Go(func(ctx context.Context) error {
			for i := range n {
				if i == n/2 {
					// Mid-stream: take the server away and bring it back.
					if err := e.srv.Restart(); err != nil {
						return err
					}
				}
				if err := producer.Publish(ctx, natsbridge.NewMessage("", i, fmt.Sprint(i))); err != nil {
					return err
				}
				time.Sleep(200 * time.Microsecond) // a steady producer, so the restart lands mid-stream
			}
			return producer.Flush(ctx)
		})
		settled(ctx, t, e, cons, n)
		stop()
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := e.stored(t, "IN"); len(got) != n {
		t.Errorf("IN holds %d distinct values, want %d", len(got), n)
	}
	lost, dup := checkExactlyOnce(t, e, n)
	t.Logf("server restarted mid-stream: %d redelivered, %d lost, %d stored twice", redelivered, lost, dup)
}
