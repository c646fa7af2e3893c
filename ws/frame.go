package ws

import (
	"encoding/binary"
	"errors"
)

// opcode is a frame's opcode (RFC 6455 section 5.2).
type opcode uint8

const (
	opContinuation opcode = 0x0
	opText         opcode = 0x1
	opBinary       opcode = 0x2
	opClose        opcode = 0x8
	opPing         opcode = 0x9
	opPong         opcode = 0xA
)

// control reports whether op is a control opcode (close, ping, pong, and
// the reserved 0xB-0xF).
func (op opcode) control() bool { return op&0x8 != 0 }

// maxControlPayload is the largest payload of a control frame.
const maxControlPayload = 125

// maxHeader is the longest frame header: 2 bytes, an 8-byte length and a
// 4-byte masking key.
const maxHeader = 14

// header is a parsed frame header.
type header struct {
	fin    bool
	rsv    uint8 // RSV1-3 as bits 2..0
	op     opcode
	masked bool
	key    [4]byte
	length int64
}

// errShortHeader means the bytes end inside a frame header: the caller
// keeps them and parses again with more.
var errShortHeader = errors.New("ws: incomplete frame header")

// errNonMinimalLength and errLengthTooLarge are framing errors (1002).
var (
	errNonMinimalLength = errors.New("ws: frame length not in its shortest form")
	errLengthTooLarge   = errors.New("ws: frame length has its most significant bit set")
)

// parseHeader parses the frame header at the start of b and returns it
// with its size, or errShortHeader when b ends inside it. It is stateless:
// a caller whose bytes end inside a header keeps them (the reactor does,
// for a consumed count that stops before the header) and calls again with
// more, so that the parse resumes across any split of the input. It
// rejects lengths that are not in their shortest form or that set the most
// significant bit (RFC 6455 section 5.2); it checks nothing else.
func parseHeader(b []byte) (h header, n int, err error) {
	if len(b) < 2 {
		return h, 0, errShortHeader
	}
	b0, b1 := b[0], b[1]
	h.fin = b0&0x80 != 0
	h.rsv = (b0 >> 4) & 0x7
	h.op = opcode(b0 & 0xF)
	h.masked = b1&0x80 != 0
	n = 2
	switch l := b1 & 0x7F; l {
	case 126:
		if len(b) < 4 {
			return h, 0, errShortHeader
		}
		h.length = int64(binary.BigEndian.Uint16(b[2:]))
		n = 4
		if h.length < 126 {
			return h, 0, errNonMinimalLength
		}
	case 127:
		if len(b) < 10 {
			return h, 0, errShortHeader
		}
		v := binary.BigEndian.Uint64(b[2:])
		n = 10
		if v>>63 != 0 {
			return h, 0, errLengthTooLarge
		}
		if v <= 0xFFFF {
			return h, 0, errNonMinimalLength
		}
		h.length = int64(v)
	default:
		h.length = int64(l)
	}
	if h.masked {
		if len(b) < n+4 {
			return h, 0, errShortHeader
		}
		copy(h.key[:], b[n:n+4])
		n += 4
	}
	return h, n, nil
}

// appendHeader appends the header of a frame with op, fin and a payload of
// length bytes, masked with key if masked (a client's frames are).
func appendHeader(b []byte, op opcode, fin bool, rsv1 bool, length int, masked bool, key [4]byte) []byte {
	b0 := byte(op)
	if fin {
		b0 |= 0x80
	}
	if rsv1 {
		b0 |= 0x40
	}
	var m byte
	if masked {
		m = 0x80
	}
	switch {
	case length < 126:
		b = append(b, b0, m|byte(length))
	case length <= 0xFFFF:
		b = append(b, b0, m|126, byte(length>>8), byte(length))
	default:
		b = append(b, b0, m|127)
		b = binary.BigEndian.AppendUint64(b, uint64(length))
	}
	if masked {
		b = append(b, key[:]...)
	}
	return b
}

// mask XORs p with key, starting at offset pos of the key, in place, and
// returns the offset that follows p (RFC 6455 section 5.3). Masking twice
// unmasks.
func mask(p []byte, key [4]byte, pos int) int {
	pos &= 3
	// Align to the key, then work eight bytes at a time.
	for len(p) > 0 && pos != 0 {
		p[0] ^= key[pos]
		p = p[1:]
		pos = (pos + 1) & 3
	}
	if len(p) >= 8 {
		k32 := binary.LittleEndian.Uint32(key[:])
		k := uint64(k32) | uint64(k32)<<32
		// Four words per step (a 4 KiB payload costs about half of one at
		// a time), then words.
		for len(p) >= 32 {
			q := p[:32:32]
			binary.LittleEndian.PutUint64(q[0:], binary.LittleEndian.Uint64(q[0:])^k)
			binary.LittleEndian.PutUint64(q[8:], binary.LittleEndian.Uint64(q[8:])^k)
			binary.LittleEndian.PutUint64(q[16:], binary.LittleEndian.Uint64(q[16:])^k)
			binary.LittleEndian.PutUint64(q[24:], binary.LittleEndian.Uint64(q[24:])^k)
			p = p[32:]
		}
		for len(p) >= 8 {
			binary.LittleEndian.PutUint64(p, binary.LittleEndian.Uint64(p)^k)
			p = p[8:]
		}
	}
	for i := range p {
		p[i] ^= key[pos]
		pos = (pos + 1) & 3
	}
	return pos
}
