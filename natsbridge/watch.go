package natsbridge

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/shio-rt/shio/watch"
)

// WatchConfig configures a [Watch]. Bucket and Key are required.
type WatchConfig[T any] struct {
	// Bucket is the KV bucket, created if missing (file storage, one
	// revision per key kept).
	Bucket string
	// Key is the bucket's key holding the value.
	Key string
	// Initial is the value while the key holds none (never set, deleted or
	// purged).
	Initial T
	// Codec encodes and decodes values; nil means [JSON].
	Codec Codec[T]
	// OnDecodeError, if not nil, is called with a [*DecodeError] for a
	// stored value Codec cannot decode; the local value is left as it was.
	// It runs on the Watch's goroutine and must not block.
	OnDecodeError func(error)
}

// Watch mirrors a local [watch] channel to a key of a JetStream KV bucket:
// every process's Watch on the key holds the latest value stored by any of
// them, and its receivers are plain [*watch.Receiver]s, with Changed,
// WaitFor and LoadAndMarkSeen as with a local channel.
//
// A value sent reaches local receivers when the bucket reports it back, so
// every process sees the same sequence of values (the key's revisions),
// changes coalesced as a watch channel coalesces them. The value survives
// the processes: a Watch opened later starts from the stored value.
//
// A Watch is safe for concurrent use. It owns one goroutine, which copies
// the key's updates into the local channel; Close waits for it.
type Watch[T any] struct {
	kv     jetstream.KeyValue
	key    string
	codec  Codec[T]
	tx     *watch.Sender[T]
	kw     jetstream.KeyWatcher
	cancel context.CancelFunc
	done   chan struct{}
	once   sync.Once
}

// OpenWatch creates or binds the bucket, loads the key's current value and
// returns the bridge with a first receiver, which counts that value as seen.
//
// # Cancellation
//
// If ctx is done first, OpenWatch returns ctx.Err() and leaves nothing
// running (the bucket may have been created).
func OpenWatch[T any](ctx context.Context, nc *nats.Conn, cfg WatchConfig[T]) (*Watch[T], *watch.Receiver[T], error) {
	if cfg.Bucket == "" || cfg.Key == "" {
		return nil, nil, errors.New("natsbridge: WatchConfig needs a Bucket and a Key")
	}
	js, err := jetstream.New(nc)
	if err != nil {
		return nil, nil, fmt.Errorf("natsbridge: %w", err)
	}
	kv, err := js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: cfg.Bucket, Storage: jetstream.FileStorage})
	if err != nil {
		return nil, nil, fmt.Errorf("natsbridge: bucket %s: %w", cfg.Bucket, err)
	}
	gctx, cancel := context.WithCancel(context.Background())
	kw, err := kv.Watch(gctx, cfg.Key)
	if err != nil {
		cancel()
		return nil, nil, fmt.Errorf("natsbridge: watch %s/%s: %w", cfg.Bucket, cfg.Key, err)
	}
	w := &Watch[T]{kv: kv, key: cfg.Key, codec: codecOr(cfg.Codec), kw: kw, cancel: cancel, done: make(chan struct{})}
	// The watcher sends the current value, if any, then a nil marker.
	cur := cfg.Initial
	for loaded := false; !loaded; {
		select {
		case e := <-kw.Updates():
			if e == nil {
				loaded = true
				break
			}
			if v, ok := w.decode(e, cfg.Initial, cfg.OnDecodeError); ok {
				cur = v
			}
		case <-ctx.Done():
			kw.Stop()
			cancel()
			return nil, nil, ctx.Err()
		}
	}
	tx, rx := watch.New(cur)
	w.tx = tx
	go w.run(gctx, cfg.Initial, cfg.OnDecodeError)
	return w, rx, nil
}

// decode turns an entry into the value it stands for.
func (w *Watch[T]) decode(e jetstream.KeyValueEntry, initial T, onErr func(error)) (T, bool) {
	if e.Operation() != jetstream.KeyValuePut {
		return initial, true
	}
	v, err := w.codec.Decode(e.Value())
	if err != nil {
		if onErr != nil {
			onErr(&DecodeError{Subject: e.Key(), Data: e.Value(), Err: err})
		}
		return v, false
	}
	return v, true
}

func (w *Watch[T]) run(ctx context.Context, initial T, onErr func(error)) {
	defer close(w.done)
	for {
		select {
		case e, ok := <-w.kw.Updates():
			if !ok {
				return
			}
			if e == nil {
				continue
			}
			if v, ok := w.decode(e, initial, onErr); ok {
				w.tx.SendModify(func(p *T) { *p = v })
			}
		case <-ctx.Done():
			return
		}
	}
}

// Send stores v under the key for every process's receivers, this one's
// included, and returns once the bucket has it.
//
// # Cancellation
//
// If ctx is done first, Send returns ctx.Err(); v may or may not have been
// stored.
func (w *Watch[T]) Send(ctx context.Context, v T) error {
	data, err := w.codec.Encode(v)
	if err != nil {
		return fmt.Errorf("natsbridge: encode for %s: %w", w.key, err)
	}
	if _, err := w.kv.Put(ctx, w.key, data); err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return fmt.Errorf("natsbridge: put %s: %w", w.key, err)
	}
	return nil
}

// Load returns the latest value this process has received.
func (w *Watch[T]) Load() T { return w.tx.Load() }

// Subscribe returns a new local receiver that counts the current value as
// seen.
func (w *Watch[T]) Subscribe() *watch.Receiver[T] { return w.tx.Subscribe() }

// Close stops watching the key, waits for the bridge's goroutine and closes
// the local channel: receivers' Changed reports a change not yet seen, then
// [watch.ErrClosed]. Close is idempotent.
func (w *Watch[T]) Close() {
	w.once.Do(func() {
		w.cancel()
		<-w.done
		w.kw.Stop()
		w.tx.Close()
	})
}
