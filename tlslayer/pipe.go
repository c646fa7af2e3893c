package tlslayer

import (
	"net"
	"time"
)

// pipe is the net.Conn that crypto/tls reads and writes: a Conn seen from
// below. Writes go to the reactor connection's outbound queue (they never
// block and never report "would block", since crypto/tls keeps any write
// error forever). Reads differ by phase:
//
//   - during the handshake, on the handshake goroutine, Read blocks until
//     the loop has passed ciphertext in (or the handshake times out, or
//     the connection closes);
//   - after it, on the loop inside Input, Read returns the next complete
//     record of the bytes Input is decoding, or errWouldBlock, a
//     temporary net.Error that crypto/tls does not keep;
//   - inside TryInput, on the caller's goroutine, Read reads the socket
//     itself into crypto/tls's buffer, up to the end of the current
//     record (readDirect), or returns errWouldBlock.
type pipe Conn

func (p *pipe) Read(b []byte) (int, error) {
	l := (*Conn)(p)
	l.mu.Lock()
	if l.state == stateHandshake {
		return l.readHandshakeLocked(b) // unlocks
	}
	l.mu.Unlock()
	if l.direct {
		return l.readDirect(b)
	}
	return l.readRecord(b)
}

func (p *pipe) Write(b []byte) (int, error) { return p.raw.Write(b) }

// Close is called by crypto/tls only on the paths the layer does not
// use (HandshakeContext's interruption, Conn.Close).
func (p *pipe) Close() error {
	(*Conn)(p).Close()
	return nil
}

func (p *pipe) LocalAddr() net.Addr                { return p.rc.LocalAddr() }
func (p *pipe) RemoteAddr() net.Addr               { return p.rc.RemoteAddr() }
func (p *pipe) SetDeadline(t time.Time) error      { return nil }
func (p *pipe) SetReadDeadline(t time.Time) error  { return nil }
func (p *pipe) SetWriteDeadline(t time.Time) error { return nil }
