package tlslayer

import (
	"bytes"
	"sync"
)

// TLS record framing (RFC 8446 5.1, RFC 5246 6.2): the layer cuts the
// ciphertext it hands crypto/tls at record boundaries, so that crypto/tls
// never holds more than one record it has not decoded.

const (
	recordHeaderLen = 5
	// maxPlaintext is the largest plaintext record; a ClientHello's
	// first record is plaintext.
	maxPlaintext = 16384
	// maxCiphertext is the largest encrypted record TLS 1.2 allows
	// (TLS 1.3 allows less); crypto/tls rejects a longer header with a
	// record_overflow alert.
	maxCiphertext = maxPlaintext + 2048

	recordTypeAlert     = 21
	recordTypeHandshake = 22
)

// recordLen returns the length of the record whose header starts b
// (header included), or 0 if b holds less than a header.
func recordLen(b []byte) int {
	if len(b) < recordHeaderLen {
		return 0
	}
	return recordHeaderLen + (int(b[3])<<8 | int(b[4]))
}

// minOverhead is the least a record's body adds to its plaintext before
// the version is known, and in TLS 1.2: an AEAD tag (ChaCha20-Poly1305;
// AES-GCM adds an explicit nonce, CBC a MAC and padding). TLS 1.3 adds the
// content type too (minOverhead13), so that four full records, 64 KiB of
// plaintext, fit the reactor's pooled 64 KiB scratch buffer.
const (
	minOverhead   = 16
	minOverhead13 = 17
)

// plaintextBound returns a bound on the plaintext of the whole records in
// src, the first rest bytes of which end a record already begun, each
// record adding at least overhead bytes.
func plaintextBound(src []byte, rest, overhead int) int {
	n := min(rest, len(src))
	for b := src[n:]; ; {
		k := recordLen(b)
		if k == 0 || k > len(b) {
			return n
		}
		n += max(0, k-recordHeaderLen-overhead)
		b = b[k:]
	}
}

// fitRecords returns how much of src to decode now: all of it, or up to
// the first whole record whose plaintext would take the total past room
// (though always something), with a bound on the plaintext of the whole
// records in what it returns. The first rest bytes of src end a record
// already begun.
func fitRecords(src []byte, rest, overhead, room int) (cut, bound int) {
	n := min(rest, len(src))
	bound = n
	for b := src[n:]; ; {
		k := recordLen(b)
		if k == 0 || k > len(b) {
			return len(src), bound // a partial record stays in pend
		}
		p := max(0, k-recordHeaderLen-overhead)
		if bound+p > room && n > 0 {
			return n, bound
		}
		bound += p
		n += k
		b = b[k:]
	}
}

// TLS alert descriptions the layer sends itself, before crypto/tls has
// seen the connection.
const (
	alertUnexpectedMessage = 10
	alertRecordOverflow    = 22
	alertDecodeError       = 50
)

// alertRecord returns a fatal alert record with description d, as sent
// before any key is agreed (plaintext, legacy version TLS 1.0).
func alertRecord(d byte) []byte {
	return []byte{recordTypeAlert, 3, 1, 0, 2, 2, d}
}

// checkClientHello checks the header of a server connection's first
// record, which must carry (the start of) a ClientHello. It returns the
// alert to send and the error if the record cannot be one.
func checkClientHello(h []byte) (byte, error) {
	switch n := recordLen(h) - recordHeaderLen; {
	case h[0] != recordTypeHandshake:
		return alertUnexpectedMessage, ErrNotTLS
	case h[1] != 3:
		return alertDecodeError, ErrNotTLS
	case n == 0:
		return alertDecodeError, ErrNotTLS
	case n > maxPlaintext:
		return alertRecordOverflow, ErrNotTLS
	}
	return 0, nil
}

// maxHelloFragment is the largest record body fragmentHello cuts a
// ClientHello into: crypto/tls first grows its record buffer to 576 bytes
// (a header and 512 more, in a size class), and a record of at most that
// fits without growing it again.
const maxHelloFragment = 576 - recordHeaderLen

// fragmentHello returns b, whose first record is a whole plaintext
// ClientHello record, with that record cut into smaller records (RFC 8446
// 5.1 lets a handshake message span records; the handshake's transcript
// covers messages, not records). What follows the first record is kept as
// is.
//
// Why: crypto/tls keeps two buffers for a connection's life at the
// capacity they grow to (golang/go#43563), its record buffer and its
// handshake message buffer, and a whole ClientHello (1.8 KB from a Go
// client, with its ML-KEM key share) grows both: the record buffer to
// 2,688 bytes, the message buffer to 2,048. Records of at most
// maxHelloFragment bytes keep the record buffer at 576 bytes; their sizes
// are chosen (helloPlan) so that the message buffer, which grows by
// doubling as fragments arrive, ends no larger than the whole message
// would have made it.
func fragmentHello(b []byte) []byte {
	n := recordLen(b)
	body := b[recordHeaderLen:n]
	if len(body) <= maxHelloFragment {
		return b
	}
	plan := helloPlan(len(body))
	out := make([]byte, 0, len(b)+recordHeaderLen*len(plan))
	for _, k := range plan {
		out = append(out, b[0], b[1], b[2], byte(k>>8), byte(k))
		out = append(out, body[:k]...)
		body = body[k:]
	}
	return append(out, b[n:]...)
}

// helloPlan returns the fragment sizes for a message of n bytes that
// leave a bytes.Buffer written with them (as crypto/tls's message buffer
// is) the smallest: it tries each small first allocation, then fills the
// buffer to its capacity before every growth, so that each growth
// doubles a full buffer, and keeps the best plan as measured on a real
// bytes.Buffer.
func helloPlan(n int) []int {
	plans.mu.Lock()
	defer plans.mu.Unlock()
	if p, ok := plans.m[n]; ok {
		return p
	}
	p := makeHelloPlan(n)
	if plans.m == nil {
		plans.m = make(map[int][]int)
	}
	if len(plans.m) < maxPlans {
		plans.m[n] = p
	}
	return p
}

// plans caches helloPlan's results: ClientHellos come in few sizes.
var plans struct {
	mu sync.Mutex
	m  map[int][]int
}

const maxPlans = 256

var zeros [maxHelloFragment]byte

func makeHelloPlan(n int) []int {
	var best []int
	bestCap := 0
	for second := 64; second <= maxHelloFragment; second += 32 {
		plan := make([]int, 0, 16)
		var buf bytes.Buffer
		add := func(k int) {
			plan = append(plan, k)
			buf.Write(zeros[:k]) // bytes.Buffer grows as crypto/tls's does
		}
		add(min(n, 64)) // a first write of at most 64 bytes allocates 64
		if left := n - buf.Len(); left > 0 {
			add(min(left, second))
		}
		for left := n - buf.Len(); left > 0; left = n - buf.Len() {
			room := buf.Cap() - buf.Len()
			if room == 0 {
				room = maxHelloFragment // grow: doubles the full buffer
			}
			add(min(left, room, maxHelloFragment))
		}
		if best == nil || buf.Cap() < bestCap || buf.Cap() == bestCap && len(plan) < len(best) {
			best, bestCap = plan, buf.Cap()
		}
	}
	return best
}
