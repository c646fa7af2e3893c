package natsbridge_test

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/shio-rt/shio/natsbridge"
	"github.com/shio-rt/shio/natsbridge/embedded"
	"github.com/shio-rt/shio/stream"
)

// Example is a Source → map → Publisher pipeline: orders in, invoices out,
// each order acknowledged once its invoice is stored.
func Example() {
	srv, _ := embedded.Start(embedded.Config{})
	defer srv.Close()
	nc, _ := nats.Connect(srv.URL())
	defer nc.Close()
	js, _ := jetstream.New(nc)
	ctx := context.Background()
	js.CreateStream(ctx, jetstream.StreamConfig{Name: "ORDERS", Subjects: []string{"orders"}})
	js.CreateStream(ctx, jetstream.StreamConfig{Name: "INVOICES", Subjects: []string{"invoices"}})
	for _, o := range []string{`"tea"`, `"cake"`, `"jam"`} {
		js.Publish(ctx, "orders", []byte(o))
	}
	cons, _ := js.CreateOrUpdateConsumer(ctx, "ORDERS", jetstream.ConsumerConfig{Durable: "billing", AckPolicy: jetstream.AckExplicitPolicy})

	src := natsbridge.NewSource(cons, natsbridge.SourceConfig[string]{})
	invoices := stream.Map(stream.Take(src, 3), func(m *natsbridge.Message[string]) *natsbridge.Message[string] {
		return natsbridge.Carry(m, "invoice for "+m.Value)
	})
	pub, _ := natsbridge.NewPublisher(nc, natsbridge.PublisherConfig[string]{Subject: "invoices"})
	defer pub.Close()
	if err := pub.PublishAll(ctx, invoices); err != nil {
		fmt.Println(err)
	}

	replay, _ := js.OrderedConsumer(ctx, "INVOICES", jetstream.OrderedConsumerConfig{})
	out := natsbridge.NewSource(replay, natsbridge.SourceConfig[string]{})
	defer out.Close()
	for range 3 {
		m, _ := out.Next(ctx)
		fmt.Printf("%s (id %s)\n", m.Value, m.ID)
	}
	// Output:
	// invoice for tea (id INVOICES:1)
	// invoice for cake (id INVOICES:2)
	// invoice for jam (id INVOICES:3)
}

// ExampleBroadcast: two processes' bridges on one subject; each receiver
// sees the values of both.
func ExampleBroadcast() {
	srv, _ := embedded.Start(embedded.Config{})
	defer srv.Close()
	ctx := context.Background()
	var rooms []*natsbridge.Broadcast[string]
	var rxs []interface {
		Recv(context.Context) (string, error)
	}
	for range 2 {
		nc, _ := nats.Connect(srv.URL())
		defer nc.Close()
		room, rx, _ := natsbridge.NewBroadcast(ctx, nc, natsbridge.BroadcastConfig[string]{Subject: "room"})
		defer room.Close()
		rooms = append(rooms, room)
		rxs = append(rxs, rx)
	}
	rooms[0].Send("hello from 1")
	for i, rx := range rxs {
		v, _ := rx.Recv(ctx)
		fmt.Printf("receiver %d: %s\n", i+1, v)
	}
	// Output:
	// receiver 1: hello from 1
	// receiver 2: hello from 1
}

// ExampleWatch: the latest value of a KV key, in every process.
func ExampleWatch() {
	srv, _ := embedded.Start(embedded.Config{})
	defer srv.Close()
	nc, _ := nats.Connect(srv.URL())
	defer nc.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cfg := natsbridge.WatchConfig[string]{Bucket: "config", Key: "mode", Initial: "normal"}
	w, rx, _ := natsbridge.OpenWatch(ctx, nc, cfg)
	defer w.Close()
	fmt.Println("mode:", rx.Load())
	w.Send(ctx, "maintenance")
	v, _ := rx.WaitFor(ctx, func(m string) bool { return m != "normal" })
	fmt.Println("mode:", v)
	// Output:
	// mode: normal
	// mode: maintenance
}

// ExampleQueue: a job sent by one process, taken by one of the competing
// receivers and acknowledged once done.
func ExampleQueue() {
	srv, _ := embedded.Start(embedded.Config{})
	defer srv.Close()
	nc, _ := nats.Connect(srv.URL())
	defer nc.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	q, _ := natsbridge.OpenQueue(ctx, nc, natsbridge.QueueConfig[string]{Name: "jobs"})
	q.Send(ctx, "resize photo.jpg")
	rx := q.Receiver()
	defer rx.Close()
	m, _ := rx.Recv(ctx)
	fmt.Println(strings.ToUpper(m.Value), "delivered", m.Delivered)
	m.AckSync(ctx)
	n, _ := q.Len(ctx)
	fmt.Println("left:", n)
	// Output:
	// RESIZE PHOTO.JPG delivered 1
	// left: 0
}
