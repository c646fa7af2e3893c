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
	if code < len(statusLines) && statusLines[code] != "" {
		return append(b, statusLines[code]...)
	}
	b = append(b, "HTTP/1.1 "...)
	b = strconv.AppendInt(b, int64(code), 10)
	b = append(b, ' ')
	b = append(b, http.StatusText(code)...)
	return append(b, "\r\n"...)
}

// statusLines holds the status line of every code net/http names, so
// that a response head starts with one copy.
var statusLines = func() (t [600]string) {
	for code := range t {
		if text := http.StatusText(code); text != "" {
			t[code] = "HTTP/1.1 " + strconv.Itoa(code) + " " + text + "\r\n"
		}
	}
	return t
}()

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

// validFieldName reports whether k is a token (RFC 9110 section 5.6.2),
// as a field name must be.
func validFieldName(k string) bool {
	if k == "" {
		return false
	}
	for i := 0; i < len(k); i++ {
		if !tokenByte[k[i]] {
			return false
		}
	}
	return true
}

// tokenByte marks the bytes a token may hold: visible ASCII less the
// delimiters.
var tokenByte = func() (t [256]bool) {
	for c := '!'; c < 0x7f; c++ {
		t[c] = !strings.ContainsRune(`"(),/:;<=>?@[\]{}`, c)
	}
	return t
}()

// dateLine is a formatted "Date: ...\r\n" line for one second.
type dateLine struct {
	unix int64
	line []byte
}

var currentDate atomic.Pointer[dateLine]

// appendDate appends the Date field for now.
func appendDate(b []byte) []byte { return appendDateAt(b, time.Time{}) }

// appendDateAt appends the Date field for the time now (the zero time:
// read the clock), formatting it at most about once a second. A now older
// than the second already formatted gets the newer line, which is closer
// to when the message is sent.
func appendDateAt(b []byte, now time.Time) []byte {
	if now.IsZero() {
		now = time.Now()
	}
	sec := now.Unix()
	d := currentDate.Load()
	if d == nil || d.unix < sec {
		line := make([]byte, 0, 40)
		line = append(line, "Date: "...)
		line = now.UTC().AppendFormat(line, http.TimeFormat)
		line = append(line, "\r\n"...)
		d = &dateLine{unix: sec, line: line}
		currentDate.Store(d)
	}
	return append(b, d.line...)
}
