package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/shio-rt/shio/natsbridge"
	"github.com/shio-rt/shio/stream"
)

// Reading is one sensor measurement. Its ID, "<sensor>:<seq>", is its
// message ID in TELEMETRY and how the collector counts it once.
type Reading struct {
	Sensor string
	Seq    int
	Value  float64
}

func (r Reading) ID() string { return fmt.Sprintf("%s:%d", r.Sensor, r.Seq) }

// Window aggregates one sensor's readings of one batch.
type Window struct {
	Sensor        string
	Count         int
	Sum, Min, Max float64
	Readings      []string // the readings' IDs, so that the collector can drop what it has counted
	By            string   // the aggregator that made it
}

// setup creates the streams and the two durable consumers, or binds to
// them if another process did.
func setup(ctx context.Context, nc *nats.Conn) error {
	js, err := jetstream.New(nc)
	if err != nil {
		return err
	}
	for _, name := range []string{"TELEMETRY", "WINDOWS"} {
		if _, err := js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
			Name: name, Subjects: []string{lower(name) + ".>"}, Storage: jetstream.FileStorage, Duplicates: 2 * time.Minute,
		}); err != nil {
			return err
		}
	}
	for stream, durable := range map[string]string{"TELEMETRY": "aggregators", "WINDOWS": "collector"} {
		if _, err := js.CreateOrUpdateConsumer(ctx, stream, jetstream.ConsumerConfig{
			Durable: durable, AckPolicy: jetstream.AckExplicitPolicy, AckWait: 2 * time.Second, MaxAckPending: 2000,
		}); err != nil {
			return err
		}
	}
	return nil
}

func lower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// newPublisher retries long enough to ride out a NATS restart.
func newPublisher[T any](nc *nats.Conn) (*natsbridge.Publisher[T], error) {
	return natsbridge.NewPublisher(nc, natsbridge.PublisherConfig[T]{AckTimeout: 500 * time.Millisecond, Attempts: 60})
}

// produce publishes perSensor readings of each sensor, with IDs, so that
// a retried publish is stored once.
func produce(ctx context.Context, nc *nats.Conn, sensors []string, perSensor int, pace time.Duration) error {
	pub, err := newPublisher[Reading](nc)
	if err != nil {
		return err
	}
	defer pub.Close()
	for seq := range perSensor {
		for i, s := range sensors {
			r := Reading{Sensor: s, Seq: seq, Value: float64((seq*7+i*13)%100) / 10}
			if err := pub.Publish(ctx, natsbridge.NewMessage("telemetry."+s, r, r.ID())); err != nil {
				return err
			}
		}
		if pace > 0 {
			t := time.NewTimer(pace)
			select {
			case <-t.C:
			case <-ctx.Done():
				t.Stop()
				return ctx.Err()
			}
		}
	}
	return pub.Flush(ctx)
}

// aggregate is one of the competing aggregators: it takes batches of up to
// window readings (or what arrived within 200ms), publishes one Window per
// sensor per batch, and acknowledges the readings once the windows are
// stored. If it dies mid-batch, the batch's readings go to another
// aggregator after AckWait. stall > 0 makes it hang after taking that many
// readings, so that it can be killed mid-batch.
func aggregate(ctx context.Context, nc *nats.Conn, name string, window, stall int, stalled func()) error {
	js, err := jetstream.New(nc)
	if err != nil {
		return err
	}
	cons, err := js.Consumer(ctx, "TELEMETRY", "aggregators")
	if err != nil {
		return err
	}
	pub, err := newPublisher[Window](nc)
	if err != nil {
		return err
	}
	defer pub.Close()
	src := natsbridge.NewSource(cons, natsbridge.SourceConfig[Reading]{Batch: window})
	taken := 0
	counted := stream.Map(src, func(m *natsbridge.Message[Reading]) *natsbridge.Message[Reading] {
		if taken++; taken == stall {
			stalled()
			<-ctx.Done() // hang mid-batch, holding unacknowledged readings
		}
		return m
	})
	batches := stream.ChunksTimeout(counted, window, 200*time.Millisecond)
	defer batches.Close()
	for {
		batch, err := batches.Next(ctx)
		if err == io.EOF || ctx.Err() != nil {
			return nil
		}
		if err != nil {
			return err
		}
		for _, w := range windows(batch, name) {
			if err := pub.Publish(ctx, natsbridge.NewMessage("windows."+w.Sensor, w, windowID(w))); err != nil {
				return stopped(ctx, err)
			}
		}
		if err := pub.Flush(ctx); err != nil {
			for _, m := range batch {
				m.Nak(time.Second)
			}
			var perr *natsbridge.PublishError
			if errors.As(err, &perr) {
				continue // redelivered later; this aggregator goes on
			}
			return stopped(ctx, err)
		}
		for _, m := range batch {
			m.Ack()
		}
	}
}

// stopped returns nil if ctx is done, so that an aggregator told to stop
// does not report its own cancellation as a failure, and err otherwise.
func stopped(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return nil
	}
	return err
}

// windows groups a batch by sensor.
func windows(batch []*natsbridge.Message[Reading], by string) []Window {
	idx := map[string]int{}
	var out []Window
	for _, m := range batch {
		r := m.Value
		i, ok := idx[r.Sensor]
		if !ok {
			i = len(out)
			idx[r.Sensor] = i
			out = append(out, Window{Sensor: r.Sensor, Min: r.Value, Max: r.Value, By: by})
		}
		w := &out[i]
		w.Count++
		w.Sum += r.Value
		w.Min, w.Max = min(w.Min, r.Value), max(w.Max, r.Value)
		w.Readings = append(w.Readings, r.ID())
	}
	return out
}

// windowID is a window's message ID: the same readings give the same ID,
// so a batch redelivered whole is stored once.
func windowID(w Window) string {
	ids := slices.Clone(w.Readings)
	slices.Sort(ids)
	h := sha256.New()
	for _, id := range ids {
		io.WriteString(h, id)
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// Totals is what the collector has counted: each reading once, however
// often redeliveries made it appear in windows.
type Totals struct {
	Readings int // distinct readings counted
	Windows  int // windows received
	Repeats  int // readings seen again in a later window (at-least-once at work)
	seen     map[string]bool
}

// collect reads the windows until want distinct readings are counted, or
// ctx is done, calling report after each window.
func collect(ctx context.Context, nc *nats.Conn, want int, report func(Window, *Totals)) (*Totals, error) {
	js, err := jetstream.New(nc)
	if err != nil {
		return nil, err
	}
	cons, err := js.Consumer(ctx, "WINDOWS", "collector")
	if err != nil {
		return nil, err
	}
	src := natsbridge.NewSource(cons, natsbridge.SourceConfig[Window]{})
	defer src.Close()
	t := &Totals{seen: map[string]bool{}}
	for t.Readings < want {
		m, err := src.Next(ctx)
		if err != nil {
			return t, err
		}
		w := m.Value
		t.Windows++
		for _, id := range w.Readings {
			if t.seen[id] {
				t.Repeats++
				continue
			}
			t.seen[id] = true
			t.Readings++
		}
		m.Ack()
		if report != nil {
			report(w, t)
		}
	}
	return t, nil
}
