package natsbridge

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/shio-rt/shio/stream"
)

// PublisherConfig configures a [Publisher]. Only Subject is needed, and
// only for messages that name none.
type PublisherConfig[T any] struct {
	// Subject is where a message with an empty Subject goes.
	Subject string
	// Codec encodes values; nil means [JSON].
	Codec Codec[T]
	// MaxInFlight bounds the messages published and not yet acknowledged
	// by JetStream; Publish waits for a slot beyond it. Zero means 256.
	// This is the whole buffer: during an outage at most MaxInFlight
	// messages wait (in nats.go's reconnect buffer), then Publish blocks.
	MaxInFlight int
	// AckTimeout is how long to wait for a message's acknowledgement
	// before publishing it again, with the same ID. Zero means 5 seconds.
	AckTimeout time.Duration
	// Attempts is how many times a message is published before it is
	// reported failed. Zero means 3. Retries reorder messages; give them
	// IDs so that a retry of a message that was stored after all is
	// recognised as a duplicate.
	Attempts int
}

// Publisher publishes messages to JetStream with asynchronous
// acknowledgements: Publish returns once the message is sent, and a
// goroutine the Publisher owns waits for the acknowledgements, in order.
// When a message is stored, its origin ([Message], from a [Source]) is
// acknowledged; when it fails for good, its origin is nakked, so that the
// source delivers it again, and the failure is reported (see
// [Publisher.Flush]). Nothing is dropped silently.
//
// A message with an ID is published with it as Nats-Msg-Id, so that
// JetStream stores it once however often it is retried within the stream's
// de-duplication window (StreamConfig.Duplicates, two minutes by default).
//
// A Publisher is safe for concurrent use. Close it when done.
type Publisher[T any] struct {
	js       jetstream.JetStream
	subject  string
	codec    Codec[T]
	timeout  time.Duration
	attempts int

	slots chan struct{}  // one token per message in flight
	queue chan *inflight // in publish order, read by the acker
	stop  chan struct{}  // closed by Close
	done  chan struct{}  // closed when the acker has exited
	idle  chan struct{}  // signalled by the acker whenever the queue empties
	once  sync.Once

	// mu guards the fields below, and is held while a message is sent and
	// queued.
	mu     sync.Mutex
	failed []error // failures since the last Flush; Publish fails while any
	closed bool
}

// inflight is one message published and not yet acknowledged.
type inflight struct {
	msg      *nats.Msg
	fut      jetstream.PubAckFuture
	attempts int
	settle   interface {
		Ack() error
		Nak(time.Duration) error
	}
}

// NewPublisher returns a Publisher on nc and starts its acknowledgement
// goroutine. It does no I/O.
func NewPublisher[T any](nc *nats.Conn, cfg PublisherConfig[T]) (*Publisher[T], error) {
	n := cfg.MaxInFlight
	if n <= 0 {
		n = 256
	}
	p := &Publisher[T]{
		subject: cfg.Subject, codec: codecOr(cfg.Codec), timeout: cfg.AckTimeout, attempts: cfg.Attempts,
		slots: make(chan struct{}, n), queue: make(chan *inflight, n),
		stop: make(chan struct{}), done: make(chan struct{}), idle: make(chan struct{}, 1),
	}
	if p.timeout <= 0 {
		p.timeout = 5 * time.Second
	}
	if p.attempts <= 0 {
		p.attempts = 3
	}
	// nats.go's own pending bound sits above ours so that it never stalls
	// a publish: the slots are the bound.
	js, err := jetstream.New(nc, jetstream.WithPublishAsyncMaxPending(2*n), jetstream.WithPublishAsyncTimeout(p.timeout))
	if err != nil {
		return nil, fmt.Errorf("natsbridge: %w", err)
	}
	p.js = js
	go p.acker()
	return p, nil
}

// Publish encodes m's value and publishes it to m's subject (or the
// Publisher's), waiting only for a free slot among MaxInFlight. The
// acknowledgement is awaited in the background; see [Publisher.Flush].
// Publish returns the first failure of an earlier message, until a Flush
// reports it, and [ErrClosed] after Close.
//
// # Cancellation
//
// If ctx is done while Publish waits for a slot, it returns ctx.Err() and
// m is not published; m's origin is left unsettled.
func (p *Publisher[T]) Publish(ctx context.Context, m *Message[T]) error {
	if err := p.check(); err != nil {
		return err
	}
	subject := m.Subject
	if subject == "" {
		subject = p.subject
	}
	data, err := p.codec.Encode(m.Value)
	if err != nil {
		return fmt.Errorf("natsbridge: encode for %s: %w", subject, err)
	}
	select {
	case p.slots <- struct{}{}:
	default:
		select {
		case p.slots <- struct{}{}:
		case <-ctx.Done():
			return ctx.Err()
		case <-p.stop:
			return ErrClosed
		}
	}
	msg := &nats.Msg{Subject: subject, Data: data}
	if m.ID != "" {
		msg.Header = nats.Header{jetstream.MsgIDHeader: []string{m.ID}}
	}
	f := &inflight{msg: msg, settle: m}
	if m.origin == nil {
		f.settle = nil
	}
	// Under mu, so that a Close either comes first (and nothing is sent)
	// or finds f queued (and fails it).
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		<-p.slots
		return ErrClosed
	}
	p.send(f)
	p.queue <- f // never blocks: a slot was taken
	return nil
}

// send publishes f once more. A publish refused at once (the reconnect
// buffer full, the connection closed) counts as a failed attempt, which
// the acker sees through a future that has already failed.
func (p *Publisher[T]) send(f *inflight) {
	f.attempts++
	fut, err := p.js.PublishMsgAsync(f.msg)
	if err != nil {
		fut = failedFuture{msg: f.msg, err: err}
	}
	f.fut = fut
}

func (p *Publisher[T]) check() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	switch {
	case p.closed:
		return ErrClosed
	case len(p.failed) > 0:
		return p.failed[0]
	}
	return nil
}

// acker waits for each in-flight message's acknowledgement, in publish
// order, retrying failures, settling origins and freeing slots.
func (p *Publisher[T]) acker() {
	defer close(p.done)
	for {
		var f *inflight
		select {
		case f = <-p.queue:
		case <-p.stop:
			p.abandon()
			return
		}
		for !p.await(f) {
			if f.attempts >= p.attempts {
				break
			}
			p.send(f)
		}
		<-p.slots
		if len(p.queue) == 0 {
			select {
			case p.idle <- struct{}{}:
			default:
			}
		}
	}
}

// await waits for f's current attempt and reports whether it is over:
// stored, or failed for good and reported. It returns false for a failure
// to retry.
func (p *Publisher[T]) await(f *inflight) bool {
	select {
	case <-f.fut.Ok():
		if f.settle != nil {
			f.settle.Ack()
		}
		return true
	case err := <-f.fut.Err():
		if f.attempts < p.attempts && !errors.Is(err, nats.ErrConnectionClosed) {
			return false
		}
		p.fail(f, err)
		return true
	case <-p.stop:
		p.fail(f, ErrClosed)
		return true
	}
}

func (p *Publisher[T]) fail(f *inflight, err error) {
	if f.settle != nil {
		f.settle.Nak(0)
	}
	perr := &PublishError{Subject: f.msg.Subject, ID: f.msg.Header.Get(jetstream.MsgIDHeader), Attempts: f.attempts, Err: err}
	p.mu.Lock()
	p.failed = append(p.failed, perr)
	p.mu.Unlock()
}

// abandon fails every queued message: Close was called.
func (p *Publisher[T]) abandon() {
	for {
		select {
		case f := <-p.queue:
			p.fail(f, ErrClosed)
			<-p.slots
		default:
			return
		}
	}
}

// Flush waits until every message published so far is acknowledged or has
// failed for good, and returns the failures since the last Flush, joined
// (each a [*PublishError]); then Publish works again.
//
// # Cancellation
//
// If ctx is done first, Flush returns ctx.Err(); the messages in flight
// stay in flight, and their failures are kept for the next Flush.
func (p *Publisher[T]) Flush(ctx context.Context) error {
	for len(p.slots) > 0 {
		select {
		case <-p.idle:
		case <-ctx.Done():
			return ctx.Err()
		case <-p.done:
			return p.takeFailed()
		}
	}
	return p.takeFailed()
}

func (p *Publisher[T]) takeFailed() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	err := errors.Join(p.failed...)
	p.failed = nil
	return err
}

// PublishAll publishes every message of s, then flushes, and closes s: the
// sink of a Source → stages → JetStream pipeline. Each message's origin is
// acknowledged once its result is stored, so a crash anywhere leaves the
// unfinished messages to be redelivered. PublishAll returns the first error
// of s (io.EOF is the normal end) or of a publish, with the flush's; it
// stops at the first.
//
// # Cancellation
//
// If ctx is done, PublishAll returns ctx.Err() without flushing: messages
// in flight are still acknowledged in the background (or reported by the
// next Flush), the others' origins are redelivered. s is closed either way.
func (p *Publisher[T]) PublishAll(ctx context.Context, s stream.Stream[*Message[T]]) (err error) {
	defer func() {
		if cerr := s.Close(); err == nil {
			err = cerr
		}
	}()
	for {
		m, err := s.Next(ctx)
		if err == io.EOF {
			return p.Flush(ctx)
		}
		if err != nil {
			if ctx.Err() != nil {
				return err
			}
			return errors.Join(err, p.Flush(ctx))
		}
		if err := p.Publish(ctx, m); err != nil {
			return err
		}
	}
}

// Close stops the Publisher and waits for its goroutine. Messages still in
// flight are abandoned: their origins are nakked, and whether JetStream
// stored them is unknown (a retry with the same ID would tell). Call Flush
// first to wait for them. Close is idempotent and returns nil.
func (p *Publisher[T]) Close() error {
	p.once.Do(func() {
		p.mu.Lock()
		p.closed = true
		p.mu.Unlock()
		close(p.stop)
		<-p.done
		p.js.CleanupPublisher()
	})
	return nil
}

// failedFuture is the future of a publish refused at once.
type failedFuture struct {
	msg *nats.Msg
	err error
}

func (f failedFuture) Ok() <-chan *jetstream.PubAck { return nil }
func (f failedFuture) Msg() *nats.Msg               { return f.msg }
func (f failedFuture) Err() <-chan error {
	c := make(chan error, 1)
	c <- f.err
	return c
}
