package loadgen

import (
	"errors"
	"io"
	"net"
	"os"
	"syscall"
)

// Kind classifies an error seen by a generator. Every failed request,
// connection or echo message is counted under exactly one Kind; nothing is
// dropped silently.
type Kind int

const (
	// KindConnect is a dial that failed.
	KindConnect Kind = iota
	// KindWrite is a write that failed.
	KindWrite
	// KindRead is a read that failed for a reason other than those below
	// (a connection reset, for instance).
	KindRead
	// KindTimeout is a request or message not answered within the timeout.
	KindTimeout
	// KindClosed is a connection the peer closed before the response began,
	// counted once for every request then in flight.
	KindClosed
	// KindTruncated is a response the peer cut off: the connection closed
	// after the response began and before its body ended.
	KindTruncated
	// KindStatusLine is a response whose status line is not HTTP/1.x NNN.
	KindStatusLine
	// KindHeader is a malformed or oversized response header section.
	KindHeader
	// KindChunk is a malformed chunked body.
	KindChunk
	// KindMismatch is an echoed byte that differs from the byte sent.
	KindMismatch
	// KindAbandoned is a request that was in flight (pipelined) on a
	// connection dropped because of another request's error or a
	// "Connection: close"; it was never answered.
	KindAbandoned

	numKinds
)

var kindNames = [numKinds]string{
	KindConnect:    "connect",
	KindWrite:      "write",
	KindRead:       "read",
	KindTimeout:    "timeout",
	KindClosed:     "closed before response",
	KindTruncated:  "closed mid-response",
	KindStatusLine: "bad status line",
	KindHeader:     "bad header",
	KindChunk:      "bad chunked body",
	KindMismatch:   "echo mismatch",
	KindAbandoned:  "abandoned in flight",
}

// String returns the name used in reports, such as "closed mid-response".
func (k Kind) String() string {
	if k < 0 || k >= numKinds {
		return "unknown"
	}
	return kindNames[k]
}

// ErrNoConnection is returned by a Run in which no connection could be made
// at all; the error wraps the first dial error.
var ErrNoConnection = errors.New("loadgen: no connection could be made")

// ErrConfig is wrapped by every configuration error.
var ErrConfig = errors.New("loadgen: bad configuration")

// protoError is a response that broke the protocol.
type protoError struct {
	kind Kind
	msg  string
}

func (e *protoError) Error() string { return "loadgen: " + e.msg }

// classify maps an I/O error to its Kind. started reports whether any byte
// of the response (or message) had arrived when the error happened.
func classify(err error, started bool, read bool) Kind {
	var pe *protoError
	if errors.As(err, &pe) {
		return pe.kind
	}
	var ne net.Error
	if errors.Is(err, os.ErrDeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout()) {
		return KindTimeout
	}
	if !read {
		return KindWrite
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, io.ErrClosedPipe) {
		if started {
			return KindTruncated
		}
		return KindClosed
	}
	return KindRead
}
