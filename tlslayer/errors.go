package tlslayer

import "errors"

var (
	// ErrNotTLS ends a server connection whose first record cannot carry
	// a ClientHello (not a handshake record, a bad version, empty or
	// longer than a plaintext record): the peer receives a fatal alert.
	ErrNotTLS = errors.New("tlslayer: first record is not a TLS handshake")

	// ErrHandshakeTimeout ends a connection whose handshake did not
	// complete within [Handshaker.Timeout].
	ErrHandshakeTimeout error = timeoutError{}

	// ErrHandshakeInput ends a connection whose peer sent more than
	// [MaxHandshakeInput] bytes during the handshake without the
	// handshake reading them.
	ErrHandshakeInput = errors.New("tlslayer: too much input during the handshake")

	// ErrEarlyWrite is returned by a write made before the handshake
	// completes once such writes pass [MaxEarlyWrite] bytes.
	ErrEarlyWrite = errors.New("tlslayer: too much output before the handshake completed")

	// ErrClosed is what a handshake ended by [Conn.Close] (the connection
	// closed under it) reports.
	ErrClosed = errors.New("tlslayer: connection closed")
)

type timeoutError struct{}

func (timeoutError) Error() string   { return "tlslayer: handshake timed out" }
func (timeoutError) Timeout() bool   { return true }
func (timeoutError) Temporary() bool { return false }

// errWouldBlock is what the layer's net.Conn returns to crypto/tls when no
// complete record is there: a net.Error whose Temporary is true, which
// crypto/tls does not store (see TestCryptoTLSKeepsNoTemporaryError).
var errWouldBlock error = wouldBlock{}

type wouldBlock struct{}

func (wouldBlock) Error() string   { return "tlslayer: no complete record yet" }
func (wouldBlock) Timeout() bool   { return false }
func (wouldBlock) Temporary() bool { return true }

// ErrHandshakeShed ends a handshake that waited on its peer for more than
// [ShedAfter] while other connections waited for a slot (see
// [Handshaker.MaxHandshakes]).
var ErrHandshakeShed = errors.New("tlslayer: handshake ended to make room: its peer was silent while others waited")

// errStuck ends a connection if crypto/tls leaves a whole record it was
// offered unread, which it never does: decoding would not progress.
var errStuck = errors.New("tlslayer: crypto/tls did not read a whole record")
