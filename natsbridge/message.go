package natsbridge

import (
	"context"
	"strconv"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// Message is a value on its way through a pipeline, with what is needed to
// settle the JetStream message it came from.
//
// A Message from a [Source] must be settled exactly once: [Message.Ack]
// when its processing is complete, [Message.Nak] to have it redelivered,
// [Message.Term] to drop it for good. [Publisher.PublishAll] acks each
// message once its result is stored, and [TryMap] naks or terminates the
// messages its function fails on; code that drops a message otherwise
// (a filter) acks it itself. A message never settled is redelivered after
// the consumer's AckWait. Messages made by the program ([NewMessage]) have
// no origin: settling them does nothing.
//
// A Message is handled by one goroutine at a time.
type Message[T any] struct {
	// Value is the decoded payload, or the result of the stages so far.
	Value T
	// Subject is, from a Source, the subject the message was stored
	// under; for a Publisher, where to publish it (empty: the Publisher's
	// default). [Carry] clears it.
	Subject string
	// ID is the message ID JetStream de-duplicates on (the Nats-Msg-Id
	// header). From a Source it is "<stream>:<stream sequence>" of the
	// original, and [Carry] keeps it, so that a result published again
	// after a redelivery is stored once if the target stream's
	// de-duplication window still holds the first.
	ID string
	// Delivered is how many times JetStream has delivered the original
	// message, 1 the first time; more means a redelivery (after a Nak, an
	// AckWait expiry or a consumer that died). Zero without an origin.
	Delivered uint64

	origin   jetstream.Msg // nil for messages made by the program
	nakDelay time.Duration // the Source's NakDelay, for TryMap
}

// NewMessage returns a message with no origin, for publishing values the
// program made. Subject and ID may be empty.
func NewMessage[T any](subject string, v T, id string) *Message[T] {
	return &Message[T]{Value: v, Subject: subject, ID: id}
}

// Carry returns a message holding v that settles m's origin: the way a
// stage maps a message to its result. It keeps m's ID and Delivered count
// and leaves Subject empty.
func Carry[T, U any](m *Message[T], v U) *Message[U] {
	return &Message[U]{Value: v, ID: m.ID, Delivered: m.Delivered, origin: m.origin, nakDelay: m.nakDelay}
}

func newSourceMessage[T any](msg jetstream.Msg, v T, nakDelay time.Duration) *Message[T] {
	m := &Message[T]{Value: v, Subject: msg.Subject(), origin: msg, nakDelay: nakDelay}
	if md, err := msg.Metadata(); err == nil {
		m.Delivered = md.NumDelivered
		m.ID = md.Stream + ":" + strconv.FormatUint(md.Sequence.Stream, 10)
	}
	return m
}

// Ack acknowledges the original message: JetStream will not deliver it
// again. It does not wait for the server; see [Message.AckSync].
func (m *Message[T]) Ack() error {
	if m.origin == nil {
		return nil
	}
	return m.origin.Ack()
}

// AckSync acknowledges the original message and waits until the server
// confirms it, so that a crash right after cannot cause a redelivery.
//
// # Cancellation
//
// If ctx is done first, AckSync returns ctx.Err(); the acknowledgement may
// or may not have reached the server, and the message must not be settled
// again.
func (m *Message[T]) AckSync(ctx context.Context) error {
	if m.origin == nil {
		return nil
	}
	return m.origin.DoubleAck(ctx)
}

// Nak asks JetStream to deliver the original message again after delay
// (zero: at once). It does not wait for the server.
func (m *Message[T]) Nak(delay time.Duration) error {
	if m.origin == nil {
		return nil
	}
	if delay <= 0 {
		return m.origin.Nak()
	}
	return m.origin.NakWithDelay(delay)
}

// Term tells JetStream never to deliver the original message again; reason
// is recorded in the server's advisory. It does not wait for the server.
func (m *Message[T]) Term(reason string) error {
	if m.origin == nil {
		return nil
	}
	return m.origin.TermWithReason(reason)
}

// InProgress resets the original message's AckWait timer: for a stage
// that holds a message longer than AckWait on purpose.
func (m *Message[T]) InProgress() error {
	if m.origin == nil {
		return nil
	}
	return m.origin.InProgress()
}
