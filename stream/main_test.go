package stream_test

import (
	"context"
	"errors"
	"io"
	"sync/atomic"
	"testing"

	"go.uber.org/goleak"

	"github.com/shio-rt/shio/stream"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// inBubble hides t's concrete type from rapid, which otherwise asks for
// t.Deadline, a call that panics inside a synctest bubble.
func inBubble(t *testing.T) testing.TB { return struct{ testing.TB }{t} }

// counter is an endless stream 0, 1, 2, ... that records its Close and
// honours its context; with fail set it fails once it reaches fail.
type counter struct {
	n      int
	fail   int // 0: never
	closed atomic.Bool
}

var errBoom = errors.New("boom")

type ctxT = context.Context

// errEOF is io.EOF, the end of a stream.
var errEOF = io.EOF

func (c *counter) Next(ctx context.Context) (int, error) {
	if c.closed.Load() {
		return 0, stream.ErrClosed
	}
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	if c.fail > 0 && c.n == c.fail {
		return 0, errBoom
	}
	c.n++
	return c.n - 1, nil
}

func (c *counter) Close() error {
	c.closed.Store(true)
	return nil
}

// blocker is a stream whose Next blocks until ctx is done.
type blocker struct{ closed atomic.Bool }

func (b *blocker) Next(ctx context.Context) (int, error) {
	<-ctx.Done()
	return 0, ctx.Err()
}

func (b *blocker) Close() error {
	b.closed.Store(true)
	return nil
}

// mustPanic runs f and returns what it panicked with, failing if it did not.
func mustPanic(t *testing.T, f func()) (r any) {
	t.Helper()
	defer func() { r = recover() }()
	f()
	t.Fatal("did not panic")
	return nil
}
