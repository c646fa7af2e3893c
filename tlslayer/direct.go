package tlslayer

import (
	"io"

	"github.com/shio-rt/shio/reactor"
)

// This file is the layer's direct path ([reactor.DirectLayer]): a
// protocol's goroutine that reads a large body with reactor.Conn.TryRead
// has crypto/tls decode straight into its buffer, the ciphertext read from
// the socket into that same buffer ahead of the plaintext, or straight
// into crypto/tls's record buffer. An upload's plaintext is then copied
// once on its way to the handler (by crypto/tls, as on net/http) instead
// of three times (crypto/tls into the loop's scratch buffer, into the
// protocol's pending bytes, into the handler's buffer), and a large buffer
// takes several records per read(2).

// TryInput implements [reactor.DirectLayer]. It decodes whole records
// into p while p has room for a record's largest plaintext (16 KiB), so
// that crypto/tls never keeps plaintext for the loop's next Input; with
// less room, or before the handshake has completed, it decodes nothing.
//
// The part of p that the plaintext has not reached yet is its read-ahead
// buffer: one read(2) brings the rest of the record crypto/tls holds the
// start of (into crypto/tls's buffer) and the records after it (into p,
// behind where their plaintext will go: a record's plaintext is shorter
// than its ciphertext, so decoding never overwrites ciphertext not yet
// handed over). Once a read-ahead has yielded plaintext TryInput reads the
// socket no more: it hands crypto/tls the partial record the read ended
// in, which crypto/tls keeps (its buffer then holds one record, as on the
// loop's path), and returns. With a buffer too small for a read-ahead,
// records are read one at a time (a readv(2) brings the end of a record
// and the next one's header). The end of the stream (close_notify) and
// errors are reported by the next Input, which TryInput has the loop
// call. r is the writer SetLayer returned, which readDirect reaches as
// l.raw.
func (l *Conn) TryInput(p []byte, _ reactor.RawReader) (int, error) {
	l.mu.Lock()
	open := l.state == stateOpen
	l.mu.Unlock()
	if !open {
		return 0, nil
	}
	l.direct = true
	n := 0
	var err error
	for {
		room := len(p) - n
		small := room < maxPlaintext
		// With little room, only records read ahead (which fit: their
		// ciphertext lies in p behind the plaintext) are decoded.
		if room == 0 || small && (len(l.src) == 0 || len(l.pend) > 0) {
			break
		}
		l.noSock = small || l.filled && n > 0
		if len(l.src) == 0 {
			// The read-ahead starts where the plaintext ends, or behind
			// the largest plaintext a record has when crypto/tls holds
			// the start of the next one, of a length unknown here.
			s := n
			if l.rest > 0 {
				s += maxPlaintext
			}
			l.src, l.aheadMax = nil, 0
			if s < len(p) {
				l.src, l.aheadMax = p[s:s], int32(len(p)-s)
			}
		}
		var k int
		k, err = l.tc.Read(p[n:])
		n += k
		if err != nil {
			break
		}
	}
	if len(l.src) > 0 && err == nil {
		// Not expected (whole records read ahead fit in p, and a partial
		// one goes to crypto/tls): keep the bytes for the next call.
		l.pend = append(l.pend, l.src...)
		l.rc.WakeLayer()
	}
	l.src, l.aheadMax = nil, 0
	l.direct, l.noSock, l.filled = false, false, false
	if err == nil || err == errWouldBlock {
		return n, nil
	}
	l.mu.Lock()
	if err == io.EOF {
		l.state = stateEOF
		l.eofDue = true
		l.pend = nil
	} else {
		l.failLocked(err)
	}
	l.mu.Unlock()
	l.rc.WakeLayer() // Input reports it, once the protocol reads again
	return n, nil
}

// readDirect is the pipe's Read inside TryInput: the bytes pend holds
// first, then those read ahead into src, then the socket (unless noSock),
// never past the end of the current record.
func (l *Conn) readDirect(b []byte) (int, error) {
	for {
		switch {
		case len(l.pend) > 0 && (l.rest > 0 || len(l.pend) >= recordHeaderLen):
			k := l.handOver(b, l.pend)
			l.pend = l.pend[k:]
			if len(l.pend) == 0 {
				l.pend = nil
			}
			return k, nil
		case len(l.pend) > 0 && len(l.src) > 0:
			// Complete pend's header from what was read after it.
			if cap(l.pend) < recordHeaderLen {
				l.pend = append(l.hdr[:0], l.pend...)
			}
			k := min(recordHeaderLen-len(l.pend), len(l.src))
			l.pend = append(l.pend, l.src[:k]...)
			l.src = l.src[k:]
			continue
		case len(l.src) > 0:
			if l.rest == 0 && len(l.src) < recordHeaderLen {
				// A header cut short: keep it (src is the caller's).
				l.pend = append(l.hdr[:0], l.src...)
				l.src = l.src[len(l.src):]
				continue
			}
			k := l.handOver(b, l.src)
			l.src = l.src[k:]
			return k, nil
		case l.noSock:
			return 0, errWouldBlock
		case l.rest > 0:
			return l.readRest(b) // pend and src are empty
		}
		if !l.readStart() {
			return 0, errWouldBlock // an error or FIN: the loop reports it
		}
	}
}

// handOver copies into b the bytes of src up to the end of the current
// record, starting it if need be (src then begins with its header), and
// returns how many.
func (l *Conn) handOver(b, src []byte) int {
	if l.rest == 0 {
		l.rest = recordLen(src)
		if l.rest > recordHeaderLen+maxCiphertext {
			l.rest = recordHeaderLen // crypto/tls rejects the header itself
		}
		// The record's plaintext goes where the plaintext ends, which is
		// not past src (the ciphertext not yet handed over), and is
		// shorter than its body: what is read ahead goes behind it.
		pt := max(0, l.rest-recordHeaderLen-int(l.overhead))
		l.aheadMax = int32(max(0, min(int(l.aheadMax), cap(l.src)-pt)))
	}
	k := copy(b, src[:min(len(src), l.rest)])
	l.rest -= k
	return k
}

// readRest reads the rest of the current record from the socket straight
// into b (crypto/tls's buffer) and, with the same readv(2), what follows
// it: into the read-ahead, or without one the next header into hdr.
func (l *Conn) readRest(b []byte) (int, error) {
	r := l.raw.(reactor.RawReader) // SetLayer's writer reads too
	want := min(len(b), l.rest)
	ahead := l.readAhead()
	var next []byte
	toAhead := false
	switch {
	case want < l.rest:
	case len(ahead) >= recordHeaderLen:
		next, toAhead = ahead, true
	default:
		next = l.hdr[:]
	}
	m, _ := r.ReadRaw(b[:want], next)
	if m == 0 {
		return 0, errWouldBlock
	}
	if m > want {
		if toAhead {
			l.src = next[:m-want]
			l.filled = true
		} else {
			l.pend = l.hdr[:m-want]
		}
		m = want
	}
	l.rest -= m
	return m, nil
}

// readAhead returns the read-ahead buffer: what is left of TryInput's
// buffer behind src (which is empty) and behind the largest plaintext of
// the records begun (aheadMax).
func (l *Conn) readAhead() []byte {
	ahead := l.src[:cap(l.src)]
	return ahead[max(0, len(ahead)-int(l.aheadMax)):]
}

// readStart reads the socket at a record's start: into the read-ahead, or
// without one into hdr, after the part of the header pend may hold. It
// reports whether it read anything.
func (l *Conn) readStart() bool {
	r := l.raw.(reactor.RawReader)
	if ahead := l.readAhead(); len(ahead) >= recordHeaderLen {
		m, _ := r.ReadRaw(ahead, nil)
		l.src = ahead[:m]
		l.filled = l.filled || m > 0
		return m > 0
	}
	k := copy(l.hdr[:], l.pend)
	m, _ := r.ReadRaw(l.hdr[k:], nil)
	l.pend = l.hdr[:k+m]
	if k+m == 0 {
		l.pend = nil
	}
	return m > 0
}
