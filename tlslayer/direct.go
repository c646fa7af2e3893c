package tlslayer

import (
	"io"

	"github.com/shio-rt/shio/reactor"
)

// This file is the layer's direct path ([reactor.DirectLayer]): a
// protocol's goroutine that reads a large body with reactor.Conn.TryRead
// has crypto/tls decode straight into its buffer, the ciphertext read from
// the socket straight into crypto/tls's record buffer. An upload's
// plaintext is then copied once on its way to the handler (by crypto/tls,
// as on net/http) instead of three times (crypto/tls into the loop's
// scratch buffer, into the protocol's pending bytes, into the handler's
// buffer), and its ciphertext once (the kernel's) instead of twice.

// TryInput implements [reactor.DirectLayer]. It decodes whole records
// into p while p has room for a record's largest plaintext (16 KiB), so
// that crypto/tls never keeps plaintext for the loop's next Input; with
// less room, or before the handshake has completed, it decodes nothing.
// Records are read one at a time (a readv(2) brings the end of a record
// and the next one's header), so crypto/tls's buffers hold one record, as
// on the loop's path. The end of the stream (close_notify) and errors are
// reported by the next Input, which TryInput has the loop call.
// r is the writer SetLayer returned, which readDirect reaches as l.raw.
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
	for len(p)-n >= maxPlaintext {
		var k int
		k, err = l.tc.Read(p[n:])
		n += k
		if err != nil {
			break
		}
	}
	l.direct = false
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
// first, then the socket, never past the end of the current record, whose
// rest is read straight into b with the next record's header into hdr.
func (l *Conn) readDirect(b []byte) (int, error) {
	r := l.raw.(reactor.RawReader) // SetLayer's writer reads too
	for l.rest == 0 {
		if len(l.pend) >= recordHeaderLen {
			l.rest = recordLen(l.pend)
			if l.rest > recordHeaderLen+maxCiphertext {
				l.rest = recordHeaderLen // crypto/tls rejects the header itself
			}
			break
		}
		k := copy(l.hdr[:], l.pend)
		m, _ := r.ReadRaw(l.hdr[k:], nil)
		l.pend = l.hdr[:k+m]
		if k+m == 0 {
			l.pend = nil
		}
		if m == 0 {
			return 0, errWouldBlock // an error or FIN: the loop reports it
		}
	}
	if len(l.pend) > 0 {
		k := copy(b, l.pend[:min(len(l.pend), l.rest)])
		l.pend = l.pend[k:]
		if len(l.pend) == 0 {
			l.pend = nil
		}
		l.rest -= k
		return k, nil
	}
	want := min(len(b), l.rest)
	var next []byte
	if want == l.rest {
		next = l.hdr[:]
	}
	m, _ := r.ReadRaw(b[:want], next)
	if m == 0 {
		return 0, errWouldBlock
	}
	if m > want {
		l.pend = l.hdr[:m-want]
		m = want
	}
	l.rest -= m
	return m, nil
}
