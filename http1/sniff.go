package http1

import (
	"bytes"
	"net/http"
)

// sniffLen is how much of a body http.DetectContentType looks at.
const sniffLen = 512

// sniffMemo remembers the last body prefix whose Content-Type a connection
// detected. Handlers that do not set Content-Type tend to answer with the
// same bytes again (a greeting, a health check, a static page), and
// comparing up to 512 bytes costs a few nanoseconds where
// http.DetectContentType runs through its forty signatures (half a
// microsecond for a short text). The result is exact: DetectContentType
// depends on the first 512 bytes alone.
type sniffMemo struct {
	key []byte
	typ string
}

// detect returns http.DetectContentType(b).
func (m *sniffMemo) detect(b []byte) string {
	if len(b) > sniffLen {
		b = b[:sniffLen]
	}
	if m.typ != "" && bytes.Equal(m.key, b) {
		return m.typ
	}
	m.typ = http.DetectContentType(b)
	m.key = append(m.key[:0], b...)
	return m.typ
}
