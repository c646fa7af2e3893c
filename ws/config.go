package ws

import (
	"errors"
	"time"
)

// Defaults of the zero Config.
const (
	DefaultMaxFrameSize     = 1 << 20
	DefaultMaxMessageSize   = 1 << 20
	DefaultMaxOutbound      = 1 << 20
	DefaultHandshakeTimeout = 10 * time.Second
	DefaultCloseTimeout     = 5 * time.Second
	DefaultPingInterval     = 30 * time.Second
	DefaultPongTimeout      = 15 * time.Second
)

// Overflow says what a write does when the connection's outbound queue
// would pass Config.MaxOutbound (see [Conn.WriteMessage]).
type Overflow uint8

const (
	// OverflowWait makes WriteMessage wait (with its context) until the
	// queue has drained; TryWriteMessage returns ErrQueueFull.
	OverflowWait Overflow = iota
	// OverflowDrop drops the message: the write returns ErrDropped.
	OverflowDrop
	// OverflowClose closes the connection with Config.OverflowCode (1008,
	// policy violation, by default; 1013, try again later, is the other
	// usual choice): a consumer too slow for the stream is cut off.
	OverflowClose
)

// Config holds a connection's limits and timers. The zero value is a safe
// default; a negative duration turns its timer off, and a negative size is
// an error. A Config is read when a connection opens; connections share it
// and it must not change meanwhile.
type Config struct {
	// MaxFrameSize bounds one frame's payload; a larger frame fails the
	// connection with 1009. Zero means DefaultMaxFrameSize (1 MiB).
	MaxFrameSize int64
	// MaxMessageSize bounds a whole message, its fragments together; a
	// larger one fails the connection with 1009 as soon as its frame
	// headers say so. Zero means DefaultMaxMessageSize (1 MiB).
	MaxMessageSize int64
	// MaxOutbound bounds the bytes queued for the peer and not yet taken
	// by the socket; a write that would pass it follows Overflow. A single
	// message larger than the bound is still written when the queue is
	// empty. Zero means DefaultMaxOutbound (1 MiB).
	MaxOutbound int
	// Overflow is the policy of a write that would pass MaxOutbound.
	Overflow Overflow
	// OverflowCode is the close code of OverflowClose. Zero means 1008.
	OverflowCode StatusCode

	// HandshakeTimeout bounds a client's opening handshake (Dial). Zero
	// means 10 s.
	HandshakeTimeout time.Duration
	// CloseTimeout bounds the close handshake: after sending a close frame
	// the connection waits this long for the peer's, then closes the TCP
	// connection. Zero means 5 s.
	CloseTimeout time.Duration
	// PingInterval is how long a connection may stay silent before it
	// sends a ping. Zero means 30 s; negative, no pings.
	PingInterval time.Duration
	// PongTimeout closes a connection (1006 reported, nothing sent) that
	// has not answered a ping, or sent anything, within this time. Zero
	// means 15 s.
	PongTimeout time.Duration
	// IdleTimeout closes a connection (with 1001) over which no message
	// has arrived for this long, pongs and pings aside. Zero or negative
	// means none: the pings keep a live peer's connection open.
	IdleTimeout time.Duration

	// Compression negotiates permessage-deflate (RFC 7692): a server
	// accepts the first offer it can honour (every valid offer: a
	// server_max_window_bits below 15 is honoured with Huffman-only
	// output, which references no earlier bytes), a client offers it with
	// no context takeover either way. This side never keeps a compression
	// context between messages (compressors are pooled); a peer that keeps
	// its own costs this side a 32 KiB dictionary per connection, unless it
	// agreed to client_no_context_takeover. Decompressed messages are
	// bounded by MaxMessageSize (no decompression bombs).
	Compression bool
	// CompressionThreshold is the size from which messages are sent
	// compressed, when compression was agreed on. Zero means 256 bytes.
	CompressionThreshold int

	// HandlerTasks runs a Handler's OnMessage on a goroutine of its own
	// instead of the reactor loop, so that it may block (call
	// WriteMessage, query a database): one message at a time per
	// connection, in order, with reading paused meanwhile (pings wait too;
	// the keep-alive does not count the pause as silence). The message
	// bytes belong to the call. OnOpen and OnClose still run without a
	// goroutine, and OnClose follows the last OnMessage's return. A
	// goroutine exists only while a message is handled.
	HandlerTasks bool

	// SkipUTF8Check turns off the validation of text messages and close
	// reasons (RFC 6455 section 8.1 requires it; it costs about a
	// nanosecond per byte of text).
	SkipUTF8Check bool
}

// limits is a Config with its defaults applied, shared by the connections
// that use it.
type limits struct {
	maxFrame, maxMessage int64
	maxOutbound          int
	overflow             Overflow
	overflowCode         StatusCode
	handshake, close     time.Duration
	ping, pong, idle     time.Duration
	utf8, tasks          bool
	compress             bool
	threshold            int
}

func orDefault[T int | int64 | time.Duration](v, d T) T {
	if v == 0 {
		return d
	}
	return v
}

// resolve validates c and applies its defaults.
func (c *Config) resolve() (*limits, error) {
	if c == nil {
		c = &Config{}
	}
	if c.MaxFrameSize < 0 || c.MaxMessageSize < 0 || c.MaxOutbound < 0 || c.CompressionThreshold < 0 {
		return nil, errors.New("ws: negative size in Config")
	}
	if c.Overflow > OverflowClose {
		return nil, errors.New("ws: unknown Overflow policy")
	}
	l := &limits{
		maxFrame:     orDefault(c.MaxFrameSize, DefaultMaxFrameSize),
		maxMessage:   orDefault(c.MaxMessageSize, DefaultMaxMessageSize),
		maxOutbound:  orDefault(c.MaxOutbound, DefaultMaxOutbound),
		overflow:     c.Overflow,
		overflowCode: c.OverflowCode,
		handshake:    orDefault(c.HandshakeTimeout, DefaultHandshakeTimeout),
		close:        orDefault(c.CloseTimeout, DefaultCloseTimeout),
		ping:         orDefault(c.PingInterval, DefaultPingInterval),
		pong:         orDefault(c.PongTimeout, DefaultPongTimeout),
		idle:         c.IdleTimeout,
		utf8:         !c.SkipUTF8Check,
		tasks:        c.HandlerTasks,
		compress:     c.Compression,
		threshold:    orDefault(c.CompressionThreshold, 256),
	}
	if l.overflowCode == 0 {
		l.overflowCode = StatusPolicyViolation
	}
	if !l.overflowCode.validWire() {
		return nil, errors.New("ws: OverflowCode is not a valid close code")
	}
	if l.maxFrame > l.maxMessage {
		l.maxFrame = l.maxMessage
	}
	if l.close < 0 {
		l.close = 0
	}
	return l, nil
}
