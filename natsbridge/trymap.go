package natsbridge

import (
	"context"
	"errors"

	"github.com/shio-rt/shio/stream"
)

// TryMap returns a stream of f's results for the messages of s, each
// carrying its input's origin ([Carry]), for a stage that can fail on one
// message without ending the pipeline. When f returns an error wrapping
// [ErrPoison] (see [Poison]), the message is terminated; any other error
// naks it with the Source's [SourceConfig.NakDelay] so that JetStream
// delivers it again later, [Message.Delivered] one higher. Either way the
// failed message is skipped and TryMap goes on with the next; onFail, if not
// nil, is told about each failure first. f runs in the consumer's
// goroutine, inside Next; TryMap starts no goroutine. Closing the result
// closes s.
//
// # Cancellation
//
// f gets Next's ctx. If f returns ctx's error while ctx is done, the
// message is nakked at once (no delay) and Next returns ctx.Err(): it is
// redelivered, not lost.
func TryMap[T, U any](s stream.Stream[*Message[T]], f func(context.Context, T) (U, error), onFail func(*Message[T], error)) stream.Stream[*Message[U]] {
	return &tryMap[T, U]{up: s, f: f, onFail: onFail}
}

type tryMap[T, U any] struct {
	up     stream.Stream[*Message[T]]
	f      func(context.Context, T) (U, error)
	onFail func(*Message[T], error)
}

func (t *tryMap[T, U]) Next(ctx context.Context) (*Message[U], error) {
	for {
		m, err := t.up.Next(ctx)
		if err != nil {
			return nil, err
		}
		v, err := t.f(ctx, m.Value)
		if err == nil {
			return Carry(m, v), nil
		}
		if ctx.Err() != nil && errors.Is(err, ctx.Err()) {
			m.Nak(0)
			return nil, err
		}
		if t.onFail != nil {
			t.onFail(m, err)
		}
		if errors.Is(err, ErrPoison) {
			m.Term(err.Error())
		} else {
			m.Nak(m.nakDelay)
		}
	}
}

func (t *tryMap[T, U]) Close() error { return t.up.Close() }
