package loadgen

import (
	"bytes"
	"context"
	"fmt"
	"time"
)

// EchoConfig configures an [Echo] generator. Only Addr is required.
type EchoConfig struct {
	// Addr is the echo server's "host:port".
	Addr string
	// Size is the size of one message in bytes; zero means 64.
	Size int
	// Conns is the number of connections; zero means 1.
	Conns int
	// Pipeline is the number of messages in flight per connection; zero
	// means 1.
	Pipeline int
	// Messages stops the run after this many messages in all; zero means no
	// limit (the run lasts until ctx is done).
	Messages int64
	// Timeout fails a message not echoed within it (to within a quarter);
	// zero means 10s.
	Timeout time.Duration
	// Dial opens connections; nil means [NetDial].
	Dial Dialer
	// WebSocket, if not nil, makes the echo a WebSocket echo: each
	// connection performs the opening handshake, then sends each message as
	// one binary frame and checks the payloads echoed back (see
	// [WSTarget]).
	WebSocket *WSTarget
	// Rate, when positive, makes a WebSocket echo an open loop, as
	// [HTTPConfig].Rate does for HTTP: messages at this many per second in
	// all, latency from each message's intended send time. A TCP echo is
	// always a closed loop (NewEcho refuses a Rate without WebSocket).
	Rate float64
}

// patternPeriod is the period of the byte stream every connection sends: a
// prime, so that no message size lines a message up with the one a period
// earlier and an echo of the wrong message is caught.
const patternPeriod = 65521

// Echo is a TCP echo load generator: each connection sends fixed-size
// messages cut from a pseudo-random byte stream and checks that every byte
// comes back unchanged and in order. Create one with [NewEcho]; Run it once
// (a second Run panics).
// Its methods are safe for concurrent use (Progress while Run runs).
type Echo struct {
	g        *core
	size     int
	pipeline int
	pattern  []byte    // the stream from offset 0, patternPeriod+pipeline*size long
	frames   *wsFrames // WebSocket: the outbound frames; nil for TCP echo
	offset   int64     // open loop: g-time between the first sends of consecutive connections
	period   int64     // open loop: g-time between one connection's sends; 0 closed loop
}

// NewEcho validates cfg. It wraps [ErrConfig] on an invalid setting.
func NewEcho(cfg EchoConfig) (*Echo, error) {
	if cfg.Addr == "" {
		return nil, fmt.Errorf("%w: no address", ErrConfig)
	}
	if cfg.Size < 0 || cfg.Conns < 0 || cfg.Pipeline < 0 || cfg.Messages < 0 || cfg.Timeout < 0 || cfg.Rate < 0 {
		return nil, fmt.Errorf("%w: negative setting", ErrConfig)
	}
	if cfg.Rate > 0 && cfg.WebSocket == nil {
		return nil, fmt.Errorf("%w: a TCP echo has no open loop (Rate)", ErrConfig)
	}
	size := cfg.Size
	if size == 0 {
		size = 64
	}
	pipeline := max(cfg.Pipeline, 1)
	if size*pipeline > 64<<20 {
		return nil, fmt.Errorf("%w: size × pipeline over 64 MiB", ErrConfig)
	}
	e := &Echo{
		g:        newCore(cfg.Addr, cfg.Dial, max(cfg.Conns, 1), cfg.Timeout, cfg.Messages),
		size:     size,
		pipeline: pipeline,
		pattern:  make([]byte, patternPeriod+pipeline*size),
	}
	x := uint32(2463534242) // xorshift32: cheap, deterministic, no zero runs
	for i := range e.pattern[:patternPeriod] {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		e.pattern[i] = byte(x)
	}
	for i := patternPeriod; i < len(e.pattern); i++ {
		e.pattern[i] = e.pattern[i-patternPeriod]
	}
	if cfg.WebSocket != nil {
		e.frames = newWSFrames(e.pattern, size, pipeline)
		e.g.dial = wsDial(e.g.dial, cfg.WebSocket, e.g.timeout)
		if cfg.Rate > 0 {
			conns := max(cfg.Conns, 1)
			e.offset = max(int64(float64(time.Second)/cfg.Rate), 1)
			e.period = max(int64(float64(time.Second)*float64(conns)/cfg.Rate), 1)
		}
	}
	return e, nil
}

// Progress returns the counts so far; it is safe to call while Run runs.
func (e *Echo) Progress() Progress { return e.g.progress() }

// Run sends messages until ctx is done or the message limit is reached,
// then returns what it measured; see [HTTP.Run] for errors.
//
// # Cancellation
//
// As for [HTTP.Run]: Run returns promptly once ctx is done, with every
// connection closed and every goroutine exited.
func (e *Echo) Run(ctx context.Context) (*Result, error) {
	return e.g.run(ctx, e.serve)
}

func (e *Echo) serve(ctx context.Context, w *conn) {
	w.sent = make([]int64, e.pipeline)
	w.next = int64(w.id) * e.offset
	var buf []byte
	if e.frames == nil {
		buf = make([]byte, e.pipeline*e.size)
	}
	for {
		if w.nc == nil && (e.g.exhausted() || !w.connect(ctx)) {
			return
		}
		if e.frames != nil {
			if !e.wsSession(ctx, w) {
				return
			}
		} else if !e.session(ctx, w, buf) {
			return
		}
	}
}

// session runs messages on w's connection until it breaks (returning true:
// reconnect) or the run is over (returning false).
func (e *Echo) session(ctx context.Context, w *conn, buf []byte) bool {
	size := int64(e.size)
	depth := e.pipeline
	var sendOff, rcvOff int64 // stream offsets on this connection
	head, n := 0, 0
	for {
		if n < depth {
			k := e.g.claim(depth - n)
			if k == 0 && n == 0 {
				return false // message limit reached
			}
			if k > 0 {
				now := w.now()
				for range k {
					w.sent[(head+n)%depth] = now
					n++
				}
				if !w.arm(ctx, now) {
					return false
				}
				p := sendOff % patternPeriod
				m, err := w.nc.Write(e.pattern[p : p+int64(k)*size])
				w.written += int64(m)
				sendOff += int64(m)
				if err != nil {
					w.broken(ctx, err, n, false, false)
					return ctx.Err() == nil
				}
			}
		}
		if !w.arm(ctx, w.now()) {
			return false
		}
		m, err := w.cr.Read(buf[:sendOff-rcvOff])
		if m > 0 {
			p := rcvOff % patternPeriod
			if !bytes.Equal(buf[:m], e.pattern[p:p+int64(m)]) {
				w.broken(ctx, &protoError{KindMismatch, "echoed bytes differ"}, n, true, true)
				return ctx.Err() == nil
			}
			before := rcvOff / size
			rcvOff += int64(m)
			now := w.now()
			for range rcvOff/size - before {
				w.lat.record(now - w.sent[head])
				head = (head + 1) % depth
				n--
				w.c.done.Add(1)
			}
		}
		if err != nil {
			w.broken(ctx, err, n, rcvOff%size != 0, true)
			return ctx.Err() == nil
		}
	}
}
