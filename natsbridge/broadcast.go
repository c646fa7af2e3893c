package natsbridge

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/shio-rt/shio/broadcast"
)

// BroadcastConfig configures a [Broadcast]. Subject is required.
type BroadcastConfig[T any] struct {
	// Subject is the NATS subject every process's Broadcast shares.
	Subject string
	// Capacity is the local channel's capacity (see [broadcast.New]): how
	// far a receiver may fall behind before it is told it lagged. Zero
	// means 64.
	Capacity int
	// Codec encodes and decodes values; nil means [JSON].
	Codec Codec[T]
	// OnDecodeError, if not nil, is called with a [*DecodeError] for each
	// message on Subject that Codec cannot decode; the message is skipped.
	// It runs on the Broadcast's goroutine and must not block.
	OnDecodeError func(error)
}

// Broadcast mirrors a local [broadcast] channel to a NATS subject: a value
// sent by any process's Broadcast on the subject reaches every receiver of
// every process's Broadcast, this one's included.
//
// A sent value goes to the server and comes back before local receivers see
// it, so every receiver, local or remote, sees one publisher's values in
// the order it sent them. Receivers are plain [*broadcast.Receiver]s: one
// that falls more than Capacity values behind gets a [*broadcast.LagError]
// with the exact number it missed, as with a local channel. The bridge
// never blocks on a slow receiver.
//
// This is core NATS, at-most-once: values sent while a process is
// disconnected or not yet subscribed do not reach it. Use a [Source] on a
// stream when every value must arrive.
//
// A Broadcast is safe for concurrent use. It owns one goroutine, which
// copies messages from its subscription into the local channel; Close
// waits for it.
type Broadcast[T any] struct {
	nc      *nats.Conn
	subject string
	codec   Codec[T]
	tx      *broadcast.Sender[T]
	sub     *nats.Subscription
	cancel  context.CancelFunc
	done    chan struct{}
	once    sync.Once
}

// NewBroadcast subscribes to cfg.Subject and returns the bridge and a first
// receiver; values sent by anyone on the subject after NewBroadcast returns
// reach it.
//
// # Cancellation
//
// NewBroadcast waits until the server has the subscription, at most 10
// seconds if ctx has no deadline. If ctx is done first, it returns an error
// wrapping ctx.Err() and leaves nothing behind.
func NewBroadcast[T any](ctx context.Context, nc *nats.Conn, cfg BroadcastConfig[T]) (*Broadcast[T], *broadcast.Receiver[T], error) {
	if cfg.Subject == "" {
		return nil, nil, errors.New("natsbridge: BroadcastConfig.Subject is empty")
	}
	capacity := cfg.Capacity
	if capacity <= 0 {
		capacity = 64
	}
	sub, err := nc.SubscribeSync(cfg.Subject)
	if err != nil {
		return nil, nil, fmt.Errorf("natsbridge: subscribe %s: %w", cfg.Subject, err)
	}
	// The goroutine keeps up by copying into a ring; NATS must never drop
	// for it, so its pending limits are lifted.
	sub.SetPendingLimits(-1, -1)
	if err := flush(ctx, nc); err != nil {
		sub.Unsubscribe()
		return nil, nil, fmt.Errorf("natsbridge: subscribe %s: %w", cfg.Subject, err)
	}
	tx, rx := broadcast.New[T](capacity)
	gctx, cancel := context.WithCancel(context.Background())
	b := &Broadcast[T]{nc: nc, subject: cfg.Subject, codec: codecOr(cfg.Codec), tx: tx, sub: sub, cancel: cancel, done: make(chan struct{})}
	go b.run(gctx, cfg.OnDecodeError)
	return b, rx, nil
}

// run copies the subscription's messages into the local channel until ctx
// is cancelled or the subscription ends.
func (b *Broadcast[T]) run(ctx context.Context, onDecodeError func(error)) {
	defer close(b.done)
	for {
		msg, err := b.sub.NextMsgWithContext(ctx)
		if err != nil {
			return
		}
		v, err := b.codec.Decode(msg.Data)
		if err != nil {
			if onDecodeError != nil {
				onDecodeError(&DecodeError{Subject: msg.Subject, Data: msg.Data, Err: err})
			}
			continue
		}
		b.tx.Send(v) // ErrNoReceivers: nobody listens here now; fine
	}
}

// Send publishes v on the subject for every process's receivers, this
// one's included. It does not block: nats.go buffers the message (in its
// reconnect buffer while disconnected) and Send returns its error if that
// buffer is full or the connection closed.
func (b *Broadcast[T]) Send(v T) error {
	data, err := b.codec.Encode(v)
	if err != nil {
		return fmt.Errorf("natsbridge: encode for %s: %w", b.subject, err)
	}
	if err := b.nc.Publish(b.subject, data); err != nil {
		return fmt.Errorf("natsbridge: publish to %s: %w", b.subject, err)
	}
	return nil
}

// Subscribe returns a new local receiver that sees every value that arrives
// from now on.
func (b *Broadcast[T]) Subscribe() *broadcast.Receiver[T] { return b.tx.Subscribe() }

// Close unsubscribes from the subject, waits for the bridge's goroutine and
// closes the local channel: receivers get the values already arrived, then
// [broadcast.ErrClosed]. Close is idempotent.
func (b *Broadcast[T]) Close() {
	b.once.Do(func() {
		b.cancel()
		<-b.done
		b.sub.Unsubscribe()
		b.tx.Close()
	})
}

// flush waits until the server has processed everything nc sent, as
// nc.FlushWithContext does, giving a ctx without a deadline (which nats.go
// refuses) one of 10 seconds.
func flush(ctx context.Context, nc *nats.Conn) error {
	// nats.go's FlushWithContext may still succeed with a ctx already
	// done (when the PONG wins its select): a done ctx fails here, always.
	if err := ctx.Err(); err != nil {
		return err
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
	}
	return nc.FlushWithContext(ctx)
}
