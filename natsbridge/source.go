package natsbridge

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/shio-rt/shio/stream"
)

// SourceConfig configures a [Source]. The zero value is usable.
type SourceConfig[T any] struct {
	// Codec decodes payloads; nil means [JSON].
	Codec Codec[T]
	// Batch is the most messages the client buffers ahead of the pipeline
	// (nats.go's PullMaxMessages): it pulls more only as the pipeline takes
	// them, half a batch at a time. Zero means 64. Memory held by a Source
	// is at most Batch messages plus those the pipeline holds unsettled,
	// which the consumer's MaxAckPending bounds.
	Batch int
	// NakDelay is how long [TryMap] asks JetStream to wait before
	// redelivering a message its function failed on. Zero means one second.
	NakDelay time.Duration
	// OnPoison, if not nil, is called with a [*DecodeError] for each
	// message whose payload Codec cannot decode, after the message has been
	// terminated. It runs on the goroutine calling Next.
	OnPoison func(error)
}

// Source is a [stream.Stream] of the messages of a JetStream pull consumer.
//
// It pulls demand-driven: nothing until the first Next, then at most
// [SourceConfig.Batch] messages ahead of the pipeline, more only as Next
// takes them. A slow pipeline therefore slows the pulls, and the server
// keeps what the pipeline has not asked for.
//
// Messages are at-least-once: each must be settled ([Message]); one not
// acknowledged within the consumer's AckWait, or left when the Source
// closes or its process dies, is delivered again, to this Source or to
// another on the same consumer, with [Message.Delivered] counting up. Use
// the consumer's MaxDeliver and BackOff to bound and pace redeliveries.
//
// For a replay in stream order, give NewSource an ordered consumer
// (jetstream's OrderedConsumer); settling its messages does nothing.
//
// A Source is used by one goroutine at a time, as every Stream is. A
// server restart or a reconnect does not end it: the pulls resume on the
// new connection. It ends with an error when the connection is closed or
// the consumer deleted.
//
// While it waits, Next wakes at most once a second to look again: nats.go's
// pull iterator can miss the moment to ask for more messages, and looking
// again is what asks (without it such a Source waited for the pull's 30 s
// heartbeat).
type Source[T any] struct {
	cons     jetstream.Consumer
	codec    Codec[T]
	batch    int
	nakDelay time.Duration
	onPoison func(error)
	it       jetstream.MessagesContext // nil until the first Next
	err      error                     // sticky: the error that ended the Source, or ErrClosed
}

var _ stream.Stream[*Message[int]] = (*Source[int])(nil)

// NewSource returns a Source over cons, a pull consumer the caller created
// with the AckPolicy, AckWait, MaxDeliver and MaxAckPending it wants
// (explicit acks are the point of a Source). NewSource does no I/O.
func NewSource[T any](cons jetstream.Consumer, cfg SourceConfig[T]) *Source[T] {
	s := &Source[T]{cons: cons, codec: codecOr(cfg.Codec), batch: cfg.Batch, nakDelay: cfg.NakDelay, onPoison: cfg.OnPoison}
	if s.batch <= 0 {
		s.batch = 64
	}
	if s.nakDelay <= 0 {
		s.nakDelay = time.Second
	}
	return s
}

// Next returns the next message, waiting for one. It returns [ErrClosed]
// after Close, and an error that ends the Source if the connection closed
// or the consumer is gone. A message whose payload does not decode is
// terminated and skipped (see [SourceConfig.OnPoison]).
//
// # Cancellation
//
// If ctx is done first, Next returns ctx.Err() and nothing is lost: the
// messages already pulled stay buffered for the next call.
func (s *Source[T]) Next(ctx context.Context) (*Message[T], error) {
	if s.err != nil {
		return nil, s.err
	}
	if s.it == nil {
		it, err := s.cons.Messages(jetstream.PullMaxMessages(s.batch), jetstream.WithMessagesErrOnMissingHeartbeat(false))
		if err != nil {
			return nil, fmt.Errorf("natsbridge: pull: %w", err)
		}
		s.it = it
	}
	slice := firstSlice
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		msg, err := s.nextSlice(ctx, &slice)
		if err != nil {
			if ctx.Err() != nil && errors.Is(err, ctx.Err()) {
				return nil, err
			}
			if errors.Is(err, errSliceOver) {
				continue
			}
			s.err = fmt.Errorf("natsbridge: pull: %w", err)
			s.it.Stop()
			return nil, s.err
		}
		v, err := s.codec.Decode(msg.Data())
		if err != nil {
			derr := &DecodeError{Subject: msg.Subject(), Data: msg.Data(), Err: err}
			msg.TermWithReason(derr.Error())
			if s.onPoison != nil {
				s.onPoison(derr)
			}
			continue
		}
		return newSourceMessage(msg, v, s.nakDelay), nil
	}
}

// nats.go's Messages iterator (v1.56.0 and before) can lose a wake-up: its
// Next issues the next pull only at the top of its wait loop, and skips it
// while its pull goroutine is still marked as sending the previous request;
// if every message already requested then arrives and is taken before that
// mark is cleared, Next waits on a buffer nothing will fill until the
// missing-heartbeat timer (twice the pull's heartbeat, 30 s by default)
// resets its count. Seen here as a Source that delivered 38 of 100 stored
// messages, the server holding no pull request from it, about once in 40
// runs under -race on a loaded machine. Waiting in slices that grow from
// firstSlice to lastSlice and calling the iterator's Next again after each
// re-runs that check, so a lost wake-up costs at most one slice; an idle
// Source wakes at most once per lastSlice. Nothing is lost when a slice
// ends: a message is only taken off the iterator's buffer when Next returns
// it.
const (
	firstSlice = 20 * time.Millisecond
	lastSlice  = time.Second
)

// errSliceOver reports that one slice of a wait ended without a message.
var errSliceOver = errors.New("natsbridge: slice over")

// nextSlice waits for the iterator's next message for at most *slice (and
// no longer than ctx), doubling *slice up to lastSlice when it ends
// without one.
func (s *Source[T]) nextSlice(ctx context.Context, slice *time.Duration) (jetstream.Msg, error) {
	sctx, cancel := context.WithTimeoutCause(ctx, *slice, errSliceOver)
	defer cancel()
	msg, err := s.it.Next(jetstream.NextContext(sctx))
	if err != nil && errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil && context.Cause(sctx) == errSliceOver {
		*slice = min(2**slice, lastSlice)
		return nil, errSliceOver
	}
	return msg, err
}

// Recv is [Source.Next], in the shape of shio's receivers.
//
// # Cancellation
//
// As for Next.
func (s *Source[T]) Recv(ctx context.Context) (*Message[T], error) { return s.Next(ctx) }

// All returns an iterator over the messages, in the shape of every
// receiver's All in shio: it yields (m, nil) for each message and ends
// quietly after Close; an error that ends the Source is yielded once,
// last. Breaking out of the loop leaves the Source open.
//
// # Cancellation
//
// Once ctx is done, All yields (nil, ctx.Err()) and ends; no message is
// lost, as with Next.
func (s *Source[T]) All(ctx context.Context) iter.Seq2[*Message[T], error] {
	return func(yield func(*Message[T], error) bool) {
		for {
			m, err := s.Next(ctx)
			if err == ErrClosed {
				return
			}
			if !yield(m, err) || err != nil {
				return
			}
		}
	}
}

// Close stops pulling and discards the messages buffered but not yet
// returned; they, those the server was still sending to this Source's open
// pull requests, and every message returned but not settled are
// redelivered after the consumer's AckWait (to another Source on the same
// consumer, or to this consumer's next Source). Messages already returned can
// still be settled after Close. Close is idempotent and returns nil.
func (s *Source[T]) Close() error {
	if s.err == ErrClosed {
		return nil
	}
	s.err = ErrClosed
	if s.it != nil {
		s.it.Stop()
	}
	return nil
}
