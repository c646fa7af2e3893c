package http1

import (
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// appendStatusLine appends "HTTP/1.1 <code> <reason>\r\n".
func appendStatusLine(b []byte, code int) []byte {
	b = append(b, "HTTP/1.1 "...)
	b = strconv.AppendInt(b, int64(code), 10)
	b = append(b, ' ')
	b = append(b, http.StatusText(code)...)
	return append(b, "\r\n"...)
}

func appendInt(b []byte, n int64) []byte { return strconv.AppendInt(b, n, 10) }

// appendTrailers appends the trailer fields: those declared (the names
// the Trailer field announced when the head was written) and those named
// with http.TrailerPrefix, with their values in h now.
func appendTrailers(b []byte, h http.Header, declared []string) []byte {
	for _, k := range declared {
		for _, v := range h[k] {
			b = appendField(b, k, v)
		}
	}
	for k, vs := range h {
		if name, ok := strings.CutPrefix(k, http.TrailerPrefix); ok && validFieldName(name) {
			for _, v := range vs {
				b = appendField(b, name, v)
			}
		}
	}
	return b
}

func appendField(b []byte, k, v string) []byte {
	b = append(b, k...)
	b = append(b, ": "...)
	start := len(b)
	b = append(b, strings.TrimSpace(v)...)
	for i := start; i < len(b); i++ {
		if c := b[i]; c < ' ' && c != '\t' || c == 0x7f {
			b[i] = ' '
		}
	}
	return append(b, "\r\n"...)
}

func validFieldName(k string) bool {
	if k == "" {
		return false
	}
	for i := 0; i < len(k); i++ {
		c := k[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`"(),/:;<=>?@[\]{}`, c) >= 0 {
			return false
		}
	}
	return true
}

// dateLine is a formatted "Date: ...\r\n" line for one second.
type dateLine struct {
	unix int64
	line []byte
}

var currentDate atomic.Pointer[dateLine]

// appendDate appends the Date field for now, formatting it at most about
// once a second.
func appendDate(b []byte) []byte {
	now := time.Now()
	d := currentDate.Load()
	if d == nil || d.unix != now.Unix() {
		line := make([]byte, 0, 40)
		line = append(line, "Date: "...)
		line = now.UTC().AppendFormat(line, http.TimeFormat)
		line = append(line, "\r\n"...)
		d = &dateLine{unix: now.Unix(), line: line}
		currentDate.Store(d)
	}
	return append(b, d.line...)
}
