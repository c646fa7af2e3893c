package natsbridge_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/shio-rt/shio/natsbridge"
	"github.com/shio-rt/shio/natsbridge/embedded"
	"github.com/shio-rt/shio/stream"
)

// BenchmarkSourceMapSink compares the natsbridge pipeline with hand-written
// nats.go code doing the same work. The machine is shared and noisy: compare
// adjacent runs, alternating which side goes first, and take medians:
//
//	go test -c -o /tmp/nb.test . && for i in 1 2 3 4 5; do for s in natsbridge handwritten handwritten natsbridge; do
//	  /tmp/nb.test -test.run '^$' -test.bench "SourceMapSink/$s\$" -test.benchtime 40x | grep ^Bench; done; done
//
// The pipeline benchmarked, both ways: take JSON numbers from a pull
// consumer on IN, add 1000, publish to OUT with a message ID (asynchronous
// acknowledgements, at most 256 in flight), and acknowledge each input once
// its result is stored. One iteration moves batch messages; they are put
// into IN with the timer stopped.
const (
	benchBatch    = 2000
	benchInFlight = 256
	benchPull     = 64
)

type benchEnv struct {
	srv  *embedded.Server
	nc   *nats.Conn
	js   jetstream.JetStream
	cons jetstream.Consumer
}

func newBenchEnv(b *testing.B) *benchEnv {
	srv, err := embedded.Start(embedded.Config{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(srv.Close)
	nc, err := nats.Connect(srv.URL())
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(nc.Close)
	js, _ := jetstream.New(nc)
	ctx := context.Background()
	for _, name := range []string{"IN", "OUT"} {
		if _, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: name, Subjects: []string{name + ".>"}, Storage: jetstream.FileStorage, Duplicates: time.Minute}); err != nil {
			b.Fatal(err)
		}
	}
	cons, err := js.CreateOrUpdateConsumer(ctx, "IN", jetstream.ConsumerConfig{Durable: "c", AckPolicy: jetstream.AckExplicitPolicy, AckWait: time.Minute})
	if err != nil {
		b.Fatal(err)
	}
	return &benchEnv{srv: srv, nc: nc, js: js, cons: cons}
}

// fill puts the next batch into IN, outside the timed region.
func (e *benchEnv) fill(b *testing.B, from int) {
	b.StopTimer()
	defer b.StartTimer()
	for i := range benchBatch {
		if _, err := e.js.PublishAsync("IN.x", fmt.Appendf(nil, "%d", from+i)); err != nil {
			b.Fatal(err)
		}
	}
	<-e.js.PublishAsyncComplete()
}

// report adds messages per second and CPU time per message, client and
// server together (fill included): on a shared machine the CPU figure is the
// steadier one.
func report(b *testing.B, n int, cpu0 time.Duration) {
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "msgs/s")
	if n > 0 {
		b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/float64(n), "cpu-µs/msg")
	}
}

func BenchmarkSourceMapSink(b *testing.B) {
	b.Run("natsbridge", func(b *testing.B) {
		e := newBenchEnv(b)
		ctx := context.Background()
		pub, err := natsbridge.NewPublisher(e.nc, natsbridge.PublisherConfig[int]{Subject: "OUT.y", MaxInFlight: benchInFlight})
		if err != nil {
			b.Fatal(err)
		}
		defer pub.Close()
		src := natsbridge.NewSource(e.cons, natsbridge.SourceConfig[int]{Batch: benchPull})
		defer src.Close()
		n := 0
		b.ReportAllocs()
		cpu0 := cpuTime()
		for b.Loop() {
			e.fill(b, n)
			// The pipeline is rebuilt per batch over the same Source;
			// FromFunc keeps PublishAll's Close from closing it.
			keep := stream.FromFunc(src.Next, nil)
			s := stream.Map(stream.Take(keep, benchBatch), func(m *natsbridge.Message[int]) *natsbridge.Message[int] {
				return natsbridge.Carry(m, m.Value+1000)
			})
			if err := pub.PublishAll(ctx, s); err != nil {
				b.Fatal(err)
			}
			n += benchBatch
		}
		report(b, n, cpu0)
	})
	b.Run("handwritten", func(b *testing.B) {
		e := newBenchEnv(b)
		js, err := jetstream.New(e.nc, jetstream.WithPublishAsyncMaxPending(2*benchInFlight), jetstream.WithPublishAsyncTimeout(5*time.Second))
		if err != nil {
			b.Fatal(err)
		}
		defer js.CleanupPublisher()
		it, err := e.cons.Messages(jetstream.PullMaxMessages(benchPull), jetstream.WithMessagesErrOnMissingHeartbeat(false))
		if err != nil {
			b.Fatal(err)
		}
		defer it.Stop()
		type pending struct {
			in  jetstream.Msg
			fut jetstream.PubAckFuture
		}
		queue := make([]pending, 0, benchInFlight)
		settle := func(p pending) {
			select {
			case <-p.fut.Ok():
				p.in.Ack()
			case err := <-p.fut.Err():
				b.Fatal(err)
			}
		}
		n := 0
		b.ReportAllocs()
		cpu0 := cpuTime()
		for b.Loop() {
			e.fill(b, n)
			for range benchBatch {
				in, err := it.Next()
				if err != nil {
					b.Fatal(err)
				}
				var v int
				if err := json.Unmarshal(in.Data(), &v); err != nil {
					b.Fatal(err)
				}
				md, _ := in.Metadata()
				data, _ := json.Marshal(v + 1000)
				out := &nats.Msg{Subject: "OUT.y", Data: data, Header: nats.Header{jetstream.MsgIDHeader: []string{fmt.Sprintf("%s:%d", md.Stream, md.Sequence.Stream)}}}
				if len(queue) == benchInFlight {
					settle(queue[0])
					queue = queue[1:]
				}
				fut, err := js.PublishMsgAsync(out)
				if err != nil {
					b.Fatal(err)
				}
				queue = append(queue, pending{in, fut})
			}
			for _, p := range queue {
				settle(p)
			}
			queue = queue[:0]
			n += benchBatch
		}
		report(b, n, cpu0)
	})
}
