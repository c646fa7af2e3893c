package natsbridge_test

import (
	"context"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/shio-rt/shio/natsbridge"
)

// lossyConsumer hands out iterators whose first Next misses the messages
// already waiting and blocks until its context ends: the lost wake-up of
// nats.go's Messages iterator (see Source.nextSlice), made deterministic by
// letting that first call wait on an iterator over an empty stream.
type lossyConsumer struct {
	jetstream.Consumer
	empty jetstream.Consumer
}

func (c lossyConsumer) Messages(opts ...jetstream.PullMessagesOpt) (jetstream.MessagesContext, error) {
	it, err := c.Consumer.Messages(opts...)
	if err != nil {
		return nil, err
	}
	empty, err := c.empty.Messages(opts...)
	if err != nil {
		it.Stop()
		return nil, err
	}
	return &lossyIter{MessagesContext: it, empty: empty}, nil
}

type lossyIter struct {
	jetstream.MessagesContext
	empty jetstream.MessagesContext
	calls int
}

func (l *lossyIter) Next(opts ...jetstream.NextOpt) (jetstream.Msg, error) {
	l.calls++
	if l.calls == 1 {
		return l.empty.Next(opts...)
	}
	return l.MessagesContext.Next(opts...)
}

func (l *lossyIter) Stop() {
	l.empty.Stop()
	l.MessagesContext.Stop()
}

// A wake-up lost inside the iterator costs a Source one short slice of
// waiting, not the whole of the caller's context (before the slices, the
// first Next here waited for all of its 5 s).
func TestSourceRecoversFromALostWakeup(t *testing.T) {
	e := start(t)
	cons := e.stream(t, "IN", 30*time.Second)
	empty := e.stream(t, "EMPTY", 30*time.Second)
	e.fill(t, "IN.x", 3)
	src := natsbridge.NewSource[int](lossyConsumer{Consumer: cons, empty: empty}, natsbridge.SourceConfig[int]{Batch: 8})
	defer src.Close()
	ctx, cancel := context.WithTimeout(testCtx(t), 5*time.Second)
	defer cancel()
	for i := range 3 {
		m, err := src.Next(ctx)
		if err != nil {
			t.Fatalf("message %d: %v (the Source waited out its context behind a lost wake-up)", i, err)
		}
		if m.Value != i {
			t.Fatalf("message %d = %d", i, m.Value)
		}
		m.Ack()
	}
}
