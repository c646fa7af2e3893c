package natsbridge

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// QueueConfig configures a [Queue]. Name is required.
type QueueConfig[T any] struct {
	// Name names the JetStream stream and the subject the queue uses.
	Name string
	// Codec encodes and decodes values; nil means [JSON].
	Codec Codec[T]
	// Capacity bounds the values stored and not yet taken; Send waits for
	// room beyond it. Zero means no bound.
	Capacity int64
	// Memory keeps the queue in memory instead of files: faster, lost with
	// the server.
	Memory bool
	// AckWait is how long a receiver may hold a value before it is handed
	// to another. Zero means 30 seconds.
	AckWait time.Duration
	// MaxDeliver bounds deliveries of one value; zero means no bound.
	MaxDeliver int
	// Batch is each receiver's pull-ahead; see [SourceConfig.Batch]. Zero
	// means 1: a value waits in the stream, not in a busy receiver, until
	// a receiver can take it.
	Batch int
	// NakDelay is the delay of [TryMap]'s redelivery; zero means a second.
	NakDelay time.Duration
}

// Queue is a work queue shaped like an mpsc channel and shared by
// processes: any process sends, and the receivers of every process compete
// for the values, each value going to one of them. It is a JetStream
// work-queue stream (a value is deleted once acknowledged) with one durable
// consumer that every [Queue.Receiver] pulls from.
//
// Unlike an mpsc channel a received value must be acknowledged
// ([Message.Ack]) once processed; a receiver that dies or closes before
// that leaves it to be delivered again, to any receiver. Values from one
// sender are stored in the order sent; with several receivers they are
// processed in parallel, in no particular order.
//
// A Queue is safe for concurrent use; each Receiver is for one goroutine.
type Queue[T any] struct {
	js      jetstream.JetStream
	cons    jetstream.Consumer
	subject string
	codec   Codec[T]
	src     SourceConfig[T]
}

// OpenQueue creates the queue's stream and consumer, or binds to them if
// another process did, and returns the Queue.
//
// # Cancellation
//
// If ctx is done first, OpenQueue returns ctx.Err(); the stream and
// consumer may or may not have been created, which a later OpenQueue
// tolerates.
func OpenQueue[T any](ctx context.Context, nc *nats.Conn, cfg QueueConfig[T]) (*Queue[T], error) {
	if cfg.Name == "" {
		return nil, errors.New("natsbridge: QueueConfig.Name is empty")
	}
	js, err := jetstream.New(nc)
	if err != nil {
		return nil, fmt.Errorf("natsbridge: %w", err)
	}
	sc := jetstream.StreamConfig{
		Name: cfg.Name, Subjects: []string{"queue." + cfg.Name}, Retention: jetstream.WorkQueuePolicy,
		Storage: jetstream.FileStorage, MaxMsgs: -1, Discard: jetstream.DiscardNew,
	}
	if cfg.Memory {
		sc.Storage = jetstream.MemoryStorage
	}
	if cfg.Capacity > 0 {
		sc.MaxMsgs = cfg.Capacity
	}
	if _, err := js.CreateOrUpdateStream(ctx, sc); err != nil {
		return nil, fmt.Errorf("natsbridge: queue %s: %w", cfg.Name, err)
	}
	ackWait := cfg.AckWait
	if ackWait <= 0 {
		ackWait = 30 * time.Second
	}
	cons, err := js.CreateOrUpdateConsumer(ctx, cfg.Name, jetstream.ConsumerConfig{
		Durable: "workers", AckPolicy: jetstream.AckExplicitPolicy, AckWait: ackWait, MaxDeliver: cfg.MaxDeliver,
	})
	if err != nil {
		return nil, fmt.Errorf("natsbridge: queue %s: %w", cfg.Name, err)
	}
	batch := cfg.Batch
	if batch <= 0 {
		batch = 1
	}
	return &Queue[T]{
		js: js, cons: cons, subject: "queue." + cfg.Name, codec: codecOr(cfg.Codec),
		src: SourceConfig[T]{Codec: cfg.Codec, Batch: batch, NakDelay: cfg.NakDelay},
	}, nil
}

// Send stores v in the queue and returns once JetStream has acknowledged
// it. If the queue is at its Capacity, Send waits for room, checking every
// few milliseconds (JetStream does not notify).
//
// # Cancellation
//
// If ctx is done first, Send returns ctx.Err(); v may or may not have been
// stored (a publish already on the wire cannot be recalled).
func (q *Queue[T]) Send(ctx context.Context, v T) error {
	data, err := q.codec.Encode(v)
	if err != nil {
		return fmt.Errorf("natsbridge: encode for %s: %w", q.subject, err)
	}
	wait := time.Millisecond
	for {
		_, err := q.js.Publish(ctx, q.subject, data)
		if err == nil || !isFull(err) {
			if err != nil {
				if ctx.Err() != nil {
					return ctx.Err()
				}
				return fmt.Errorf("natsbridge: send to %s: %w", q.subject, err)
			}
			return nil
		}
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		}
		wait = min(2*wait, 50*time.Millisecond)
	}
}

// isFull reports whether err is a work-queue stream's refusal at capacity.
func isFull(err error) bool {
	var apiErr *jetstream.APIError
	return errors.As(err, &apiErr) && apiErr.ErrorCode == 10077 // JSStreamStoreFailedF: maximum messages exceeded
}

// Receiver returns a new receiver competing with every other receiver of
// the queue, in this process or another. It is a [Source]: Recv or All,
// then settle each message; Close it when done.
func (q *Queue[T]) Receiver() *Source[T] { return NewSource(q.cons, q.src) }

// Len returns the number of values stored and not yet acknowledged.
//
// # Cancellation
//
// If ctx is done first, Len returns ctx.Err().
func (q *Queue[T]) Len(ctx context.Context) (int, error) {
	info, err := q.cons.Info(ctx)
	if err != nil {
		return 0, fmt.Errorf("natsbridge: %w", err)
	}
	return int(info.NumPending) + info.NumAckPending, nil
}
