package tlslayer

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

// minOverhead is the least a record's body adds to its plaintext: an AEAD
// tag (TLS 1.2 ChaCha20-Poly1305; TLS 1.3 adds the content type, AES-GCM
// in TLS 1.2 an explicit nonce, CBC a MAC and padding).
const minOverhead = 16

// plaintextBound returns a bound on the plaintext of the whole records in
// src, the first rest bytes of which end a record already begun.
func plaintextBound(src []byte, rest int) int {
	n := min(rest, len(src))
	for b := src[n:]; ; {
		k := recordLen(b)
		if k == 0 || k > len(b) {
			return n
		}
		n += max(0, k-recordHeaderLen-minOverhead)
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
