package natsbridge_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/shio-rt/shio/natsbridge/embedded"
)

// env is one test's server and client.
type env struct {
	srv *embedded.Server
	nc  *nats.Conn
	js  jetstream.JetStream
}

func start(t *testing.T) *env {
	t.Helper()
	srv, err := embedded.Start(embedded.Config{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	nc := connect(t, srv.URL())
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	return &env{srv: srv, nc: nc, js: js}
}

// connect dials url with a reconnect policy that outlasts a test's
// restarts.
func connect(t *testing.T, url string) *nats.Conn {
	t.Helper()
	nc, err := nats.Connect(url, nats.MaxReconnects(-1), nats.ReconnectWait(20*time.Millisecond), nats.ReconnectJitter(0, 0))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	return nc
}

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// stream creates a file-stored stream name on name.> with a
// de-duplication window, and a durable pull consumer "c" on it.
func (e *env) stream(t *testing.T, name string, ackWait time.Duration) jetstream.Consumer {
	t.Helper()
	ctx := testCtx(t)
	if _, err := e.js.CreateStream(ctx, jetstream.StreamConfig{
		Name: name, Subjects: []string{name + ".>"}, Storage: jetstream.FileStorage, Duplicates: time.Minute,
	}); err != nil {
		t.Fatal(err)
	}
	c, err := e.js.CreateOrUpdateConsumer(ctx, name, jetstream.ConsumerConfig{
		Durable: "c", AckPolicy: jetstream.AckExplicitPolicy, AckWait: ackWait, MaxAckPending: 10000,
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// fill publishes the JSON numbers 0..n-1 to subject, synchronously.
func (e *env) fill(t *testing.T, subject string, n int) {
	t.Helper()
	ctx := testCtx(t)
	for i := range n {
		if _, err := e.js.PublishAsync(subject, fmt.Appendf(nil, "%d", i)); err != nil {
			t.Fatal(err)
		}
	}
	select {
	case <-e.js.PublishAsyncComplete():
	case <-ctx.Done():
		t.Fatal("fill: publish acks did not come")
	}
}

// stored returns how many times each value is stored in stream name.
func (e *env) stored(t *testing.T, name string) map[int]int {
	t.Helper()
	ctx := testCtx(t)
	c, err := e.js.OrderedConsumer(ctx, name, jetstream.OrderedConsumerConfig{})
	if err != nil {
		t.Fatal(err)
	}
	st, err := e.js.Stream(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	n := int(st.CachedInfo().State.Msgs)
	out := map[int]int{}
	for n > 0 {
		b, err := c.Fetch(n, jetstream.FetchMaxWait(5*time.Second))
		if err != nil {
			t.Fatal(err)
		}
		for m := range b.Messages() {
			var v int
			fmt.Sscan(string(m.Data()), &v)
			out[v]++
			n--
		}
		if b.Error() != nil {
			t.Fatal(b.Error())
		}
	}
	return out
}

// pollUntil polls cond every 10ms until it holds or ctx is done.
func pollUntil(ctx context.Context, t *testing.T, what string, cond func() bool) {
	t.Helper()
	for !cond() {
		select {
		case <-ctx.Done():
			t.Fatalf("%s: not reached before the deadline", what)
		case <-time.After(10 * time.Millisecond):
		}
	}
}
