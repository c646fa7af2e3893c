package loadgen

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha1"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"
)

// WSTarget makes a generator speak WebSocket (RFC 6455): every connection
// performs the opening handshake for Path (with Host as its Host header)
// before any load, and an [Echo] sends its messages as masked binary frames
// and checks every byte of the payloads that come back. No extension is
// offered (unless Header offers one: then the server may agree to it, which
// an idle run may want, but an echo fails at the first compressed frame), so
// the echo must come back uncompressed; the server may split it into any
// frames and send pings (answered) in between.
type WSTarget struct {
	// Host is the handshake's Host header; empty means the dialed address.
	Host string
	// Path is the request target, such as "/echo?room=1"; empty means "/".
	Path string
	// Header holds extra handshake fields (Origin, Authorization).
	Header http.Header
}

// wsGUID is RFC 6455's key suffix (section 1.3).
const wsGUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

// maxHandshake bounds the server's handshake response.
const maxHandshake = 16 << 10

// wsDial wraps dial so that each connection it returns has completed the
// WebSocket opening handshake for t. The handshake counts as part of the
// dial: its failures are connect errors, retried like them.
func wsDial(dial Dialer, t *WSTarget, timeout time.Duration) Dialer {
	return func(ctx context.Context, addr string) (net.Conn, error) {
		nc, err := dial(ctx, addr)
		if err != nil {
			return nil, err
		}
		return wsHandshake(ctx, nc, addr, t, timeout)
	}
}

// wsHandshake performs the client's opening handshake on nc, closing nc on
// failure. It returns nc itself unless the server sent bytes behind its
// response (it must not before the client speaks): then a conn that
// returns those first.
//
// # Cancellation
//
// If ctx ends during the handshake, nc is closed and the error is ctx's.
func wsHandshake(ctx context.Context, nc net.Conn, addr string, t *WSTarget, timeout time.Duration) (net.Conn, error) {
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	stop := context.AfterFunc(ctx, func() { nc.SetDeadline(longAgo) })
	nc.SetDeadline(time.Now().Add(timeout))
	c, err := wsHandshakeOn(nc, addr, t)
	if !stop() || ctx.Err() != nil {
		err = ctx.Err()
	}
	if err != nil {
		nc.Close()
		return nil, err
	}
	nc.SetDeadline(time.Time{})
	return c, nil
}

func wsHandshakeOn(nc net.Conn, addr string, t *WSTarget) (net.Conn, error) {
	var raw [16]byte
	rand.Read(raw[:])
	key := base64.StdEncoding.EncodeToString(raw[:])
	host, path := t.Host, t.Path
	if host == "" {
		host = addr
	}
	if path == "" {
		path = "/"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "GET %s HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n", path, host, key)
	for name, vs := range t.Header {
		for _, v := range vs {
			fmt.Fprintf(&b, "%s: %s\r\n", name, v)
		}
	}
	b.WriteString("\r\n")
	if _, err := io.WriteString(nc, b.String()); err != nil {
		return nil, err
	}
	br := bufio.NewReaderSize(io.LimitReader(nc, maxHandshake), 4096)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return nil, fmt.Errorf("websocket handshake: %w", err)
	}
	resp.Body.Close()
	sum := sha1.Sum([]byte(key + wsGUID))
	switch {
	case resp.StatusCode != http.StatusSwitchingProtocols:
		return nil, fmt.Errorf("websocket handshake: the server answered %s", resp.Status)
	case !strings.EqualFold(resp.Header.Get("Upgrade"), "websocket"):
		return nil, errors.New("websocket handshake: no Upgrade: websocket in the response")
	case resp.Header.Get("Sec-WebSocket-Accept") != base64.StdEncoding.EncodeToString(sum[:]):
		return nil, errors.New("websocket handshake: wrong Sec-WebSocket-Accept")
	case resp.Header.Get("Sec-WebSocket-Extensions") != "" && !offersExtension(t.Header):
		return nil, fmt.Errorf("websocket handshake: extension %q agreed though none was offered", resp.Header.Get("Sec-WebSocket-Extensions"))
	}
	if n := br.Buffered(); n > 0 {
		early, _ := br.Peek(n)
		return &prefixConn{Conn: nc, early: bytes.Clone(early)}, nil
	}
	return nc, nil
}

// offersExtension reports whether h offers an extension (its keys may not
// be in canonical form).
func offersExtension(h http.Header) bool {
	for k, vs := range h {
		if strings.EqualFold(k, "Sec-WebSocket-Extensions") && len(vs) > 0 {
			return true
		}
	}
	return false
}

// prefixConn is a connection whose first bytes were read ahead.
type prefixConn struct {
	net.Conn
	early []byte
}

func (c *prefixConn) Read(p []byte) (int, error) {
	if len(c.early) > 0 {
		n := copy(p, c.early)
		c.early = c.early[n:]
		return n, nil
	}
	return c.Conn.Read(p)
}

// wsFrames is an Echo's outbound stream over WebSocket: msgs distinct
// messages, each a masked binary frame with its own key whose payload is
// cut from the pattern, laid end to end, followed by the first pipeline
// frames again so that any pipeline consecutive frames are contiguous.
// The frames are encoded once and written from the same bytes every time
// (a server cannot tell a reused key from a fresh one; RFC 6455 asks for
// fresh keys against proxy cache poisoning, which a benchmark on a known
// server does not risk).
type wsFrames struct {
	msgs     int
	frameLen int
	wire     []byte
}

func newWSFrames(pattern []byte, size, pipeline int) *wsFrames {
	msgs := pipeline + 1 + min(15, (4<<20)/size)
	hdr := wsHeaderLen(size) + 4
	f := &wsFrames{msgs: msgs, frameLen: hdr + size, wire: make([]byte, 0, (msgs+pipeline)*(hdr+size))}
	x := uint32(0x9e3779b9)
	for j := range msgs {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		var key [4]byte
		binary.BigEndian.PutUint32(key[:], x|1)
		f.wire = appendWSHeader(f.wire, 0x82, size, key[:])
		p := wsPayload(pattern, j, size)
		for i, c := range p {
			f.wire = append(f.wire, c^key[i&3])
		}
	}
	f.wire = append(f.wire, f.wire[:pipeline*f.frameLen]...)
	return f
}

// wsPayload is the payload of message j of size bytes.
func wsPayload(pattern []byte, j, size int) []byte {
	off := (j * size) % patternPeriod
	return pattern[off : off+size]
}

func wsHeaderLen(n int) int {
	switch {
	case n < 126:
		return 2
	case n <= 0xffff:
		return 4
	}
	return 10
}

// appendWSHeader appends a masked frame header (first byte b0) for a payload
// of n bytes with mask key.
func appendWSHeader(dst []byte, b0 byte, n int, key []byte) []byte {
	switch {
	case n < 126:
		dst = append(dst, b0, 0x80|byte(n))
	case n <= 0xffff:
		dst = append(dst, b0, 0x80|126, byte(n>>8), byte(n))
	default:
		dst = append(dst, b0, 0x80|127)
		dst = binary.BigEndian.AppendUint64(dst, uint64(n))
	}
	return append(dst, key...)
}

// wsReader parses the server's frames on one connection, resuming where it
// stopped: the frame in progress and the offset in the message expected.
type wsReader struct {
	frameRem int64 // payload bytes of the current data frame still to come
	fin      bool  // the current data frame ends its message
	inMsg    bool  // a message has begun (a continuation is expected next)
	msgOff   int   // payload bytes of the current message checked so far
}

var errWSMasked = &protoError{KindMismatch, "the server sent a masked frame"}

// wsSession is Echo's session over WebSocket.
func (e *Echo) wsSession(ctx context.Context, w *conn) bool {
	depth := e.pipeline
	f := e.frames
	var sendIdx, rcvIdx int64 // messages sent and received on this connection
	head, n := 0, 0
	var r wsReader
	for {
		if n < depth {
			now := w.now()
			k := depth - n
			slept := false
			if e.period > 0 {
				var ok bool
				if now, k, slept, ok = w.due(ctx, e.period, n, depth); !ok {
					return false
				}
			}
			k = e.g.claim(k)
			if k == 0 && n == 0 {
				return false // message limit reached
			}
			if k > 0 {
				for range k {
					t := now
					if e.period > 0 {
						if !slept { // as in HTTP's open loop
							t = w.next
						}
						w.next += e.period
					}
					w.sent[(head+n)%depth] = t
					n++
				}
				if !w.arm(ctx, now) {
					return false
				}
				// k ≤ depth consecutive frames from sendIdx are contiguous.
				off := int(sendIdx%int64(f.msgs)) * f.frameLen
				m, err := w.nc.Write(f.wire[off : off+k*f.frameLen])
				w.written += int64(m)
				sendIdx += int64(k)
				if err != nil {
					w.broken(ctx, err, n, false, false)
					return ctx.Err() == nil
				}
			}
		}
		got, err := e.wsRead(ctx, w, &r, &rcvIdx)
		if got > 0 {
			now := w.now()
			for range got {
				w.lat.record(now - w.sent[head])
				head = (head + 1) % depth
				n--
				w.c.done.Add(1)
			}
		}
		if err != nil {
			w.broken(ctx, err, n, r.inMsg || r.frameRem > 0, true)
			return ctx.Err() == nil
		}
		if ctx.Err() != nil {
			return false
		}
	}
}

// wsRead parses frames until at least one message has been received whole
// and checked, and then as long as it can without waiting; it returns how
// many messages completed.
func (e *Echo) wsRead(ctx context.Context, w *conn, r *wsReader, rcvIdx *int64) (got int, err error) {
	br := w.br
	// need makes k bytes available, waiting for them only while no message
	// has completed in this call.
	need := func(k int) (bool, error) {
		if br.Buffered() >= k {
			return true, nil
		}
		if got > 0 {
			return false, nil
		}
		if !w.arm(ctx, w.now()) {
			return false, ctx.Err()
		}
		if _, err := br.Peek(k); err != nil {
			return false, err
		}
		return true, nil
	}
	for {
		if r.frameRem > 0 {
			if ok, err := need(1); !ok {
				return got, err
			}
			p, _ := br.Peek(int(min(r.frameRem, int64(br.Buffered()))))
			want := wsPayload(e.pattern, int(*rcvIdx%int64(e.frames.msgs)), e.size)[r.msgOff:]
			if !bytes.Equal(p, want[:len(p)]) {
				return got, &protoError{KindMismatch, "echoed bytes differ"}
			}
			br.Discard(len(p))
			r.frameRem -= int64(len(p))
			r.msgOff += len(p)
		}
		if r.frameRem == 0 && r.fin {
			if r.msgOff != e.size {
				return got, &protoError{KindMismatch, fmt.Sprintf("echoed message of %d bytes, sent %d", r.msgOff, e.size)}
			}
			*r = wsReader{}
			*rcvIdx++
			got++
		}
		if r.frameRem > 0 {
			continue
		}
		// A frame header.
		if ok, err := need(2); !ok {
			return got, err
		}
		h, _ := br.Peek(2)
		b0, b1 := h[0], h[1]
		if b1&0x80 != 0 {
			return got, errWSMasked
		}
		hl := 2
		switch b1 & 0x7f {
		case 126:
			hl = 4
		case 127:
			hl = 10
		}
		if ok, err := need(hl); !ok {
			return got, err
		}
		h, _ = br.Peek(hl)
		plen := int64(b1 & 0x7f)
		switch hl {
		case 4:
			plen = int64(binary.BigEndian.Uint16(h[2:]))
		case 10:
			plen = int64(binary.BigEndian.Uint64(h[2:]) & (1<<63 - 1))
		}
		op := b0 & 0x0f
		if b0&0x70 != 0 {
			return got, &protoError{KindMismatch, "the server set a reserved bit (no extension was agreed)"}
		}
		if op >= 8 { // control frame: read it whole, answer a ping
			if plen > 125 || b0&0x80 == 0 {
				return got, &protoError{KindMismatch, "invalid control frame"}
			}
			if ok, err := need(hl + int(plen)); !ok {
				return got, err
			}
			fr, _ := br.Peek(hl + int(plen))
			payload := fr[hl:]
			switch op {
			case 8:
				return got, &protoError{KindClosed, fmt.Sprintf("the server sent a close frame %s", closeText(payload))}
			case 9:
				pong := appendWSHeader(nil, 0x8a, len(payload), []byte{0, 0, 0, 0})
				pong = append(pong, payload...)
				if _, err := w.nc.Write(pong); err != nil {
					return got, err
				}
				w.written += int64(len(pong))
			}
			br.Discard(hl + int(plen))
			continue
		}
		switch {
		case op == 2 && r.inMsg, op == 0 && !r.inMsg:
			return got, &protoError{KindMismatch, "fragments out of order"}
		case op != 0 && op != 2:
			return got, &protoError{KindMismatch, fmt.Sprintf("echoed a frame of opcode %d to a binary message", op)}
		case plen > int64(e.size-r.msgOff):
			return got, &protoError{KindMismatch, fmt.Sprintf("echoed frame of %d bytes, more than the %d sent", plen, e.size-r.msgOff)}
		}
		br.Discard(hl)
		r.inMsg, r.fin, r.frameRem = true, b0&0x80 != 0, plen
	}
}

// closeText describes a close frame's payload.
func closeText(p []byte) string {
	if len(p) < 2 {
		return "without a code"
	}
	return fmt.Sprintf("%d %q", binary.BigEndian.Uint16(p), p[2:])
}
