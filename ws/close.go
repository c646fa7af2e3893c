package ws

import (
	"encoding/binary"
	"strconv"
)

// StatusCode is a close code (RFC 6455 section 7.4).
type StatusCode uint16

// The close codes this package sends or names (RFC 6455 section 7.4.1 and
// the IANA registry).
const (
	StatusNormal          StatusCode = 1000
	StatusGoingAway       StatusCode = 1001
	StatusProtocolError   StatusCode = 1002
	StatusUnsupportedData StatusCode = 1003
	// StatusNoStatus (1005) is never sent: it reports a close frame that
	// carried no code.
	StatusNoStatus StatusCode = 1005
	// StatusAbnormal (1006) is never sent: it reports a connection that
	// ended without a close frame.
	StatusAbnormal         StatusCode = 1006
	StatusInvalidData      StatusCode = 1007
	StatusPolicyViolation  StatusCode = 1008
	StatusMessageTooBig    StatusCode = 1009
	StatusMandatoryExt     StatusCode = 1010
	StatusInternalError    StatusCode = 1011
	StatusServiceRestart   StatusCode = 1012
	StatusTryAgainLater    StatusCode = 1013
	StatusBadGateway       StatusCode = 1014
	StatusTLSHandshakeFail StatusCode = 1015
)

// validWire reports whether code may appear in a close frame: 1000-1003,
// 1007-1014 (the registered codes) and 3000-4999 (registered and private
// use). 1004-1006 and 1015 are reserved and never sent.
func (code StatusCode) validWire() bool {
	switch {
	case code >= 1000 && code <= 1003, code >= 1007 && code <= 1014:
		return true
	case code >= 3000 && code <= 4999:
		return true
	}
	return false
}

// CloseError is the close frame that ended a connection: the one the peer
// sent, or, when the peer failed the protocol or did not answer, the one
// this side sent. Code is StatusNoStatus for a close frame without a code
// and StatusAbnormal when the connection ended with none.
type CloseError struct {
	Code   StatusCode
	Reason string
	// Remote reports whether the peer sent the frame.
	Remote bool
	// Err is why the connection ended without the close handshake
	// completing (a timeout, a reset), or nil.
	Err error
}

// Unwrap returns Err.
func (e *CloseError) Unwrap() error { return e.Err }

// Error describes the close: code, side and reason.
func (e *CloseError) Error() string {
	s := "ws: closed with " + strconv.Itoa(int(e.Code))
	if e.Remote {
		s += " by the peer"
	}
	if e.Reason != "" {
		s += ": " + e.Reason
	}
	if e.Err != nil {
		s += " (" + e.Err.Error() + ")"
	}
	return s
}

// appendClosePayload appends the payload of a close frame with code and
// reason, the reason cut to fit a control frame on a character boundary.
func appendClosePayload(b []byte, code StatusCode, reason string) []byte {
	if code == 0 || code == StatusNoStatus {
		return b
	}
	b = binary.BigEndian.AppendUint16(b, uint16(code))
	if len(reason) > maxControlPayload-2 {
		reason = reason[:maxControlPayload-2]
		for len(reason) > 0 && !validUTF8([]byte(reason)) {
			reason = reason[:len(reason)-1]
		}
	}
	return append(b, reason...)
}

// parseClosePayload returns the code and reason of a close frame's
// payload, and the code to fail the connection with if it is invalid.
func parseClosePayload(p []byte) (code StatusCode, reason string, fail StatusCode) {
	switch {
	case len(p) == 0:
		return StatusNoStatus, "", 0
	case len(p) == 1:
		return 0, "", StatusProtocolError
	}
	code = StatusCode(binary.BigEndian.Uint16(p))
	if !code.validWire() {
		return 0, "", StatusProtocolError
	}
	if !validUTF8(p[2:]) {
		return 0, "", StatusInvalidData
	}
	return code, string(p[2:]), 0
}
