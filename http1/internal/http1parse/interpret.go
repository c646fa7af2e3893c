package http1parse

import "bytes"

// maxContentLength bounds a declared length: far beyond any real body, and
// small enough that arithmetic on it cannot overflow.
const maxContentLength = 1 << 62

// interpret derives the message framing and connection semantics from the
// fields (RFC 9112 sections 6 and 9, RFC 9110 section 7.2).
func (r *Request) interpret() error {
	r.Host, r.ContentLength, r.Chunked, r.Expect100 = nil, -1, false, false
	hosts := 0
	var closeTok, keepAlive, expect bool
	te := 0          // Transfer-Encoding field lines
	var teErr *Error // why the Transfer-Encoding value is refused
	for _, f := range r.Fields {
		switch len(f.Name) {
		case 4:
			if !equalFold(f.Name, "host") {
				continue
			}
			hosts++
			r.Host = f.Value
			for _, c := range f.Value {
				if class[c]&classHost == 0 {
					return errHostValue
				}
			}
			// An empty Host names no host, and an "http" URI without one is
			// invalid (RFC 9110 section 4.2.1).
			if len(f.Value) == 0 || !validHostPort(f.Value) {
				return errHostValue
			}
		case 6:
			if !equalFold(f.Name, "expect") {
				continue
			}
			if expect || !equalFold(f.Value, "100-continue") {
				return errExpectation
			}
			expect = true
		case 10:
			if !equalFold(f.Name, "connection") {
				continue
			}
			for e, rest, ok := nextElement(f.Value); ok; e, rest, ok = nextElement(rest) {
				switch {
				case equalFold(e, "close"):
					closeTok = true
				case equalFold(e, "keep-alive"):
					keepAlive = true
				}
			}
		case 14:
			if !equalFold(f.Name, "content-length") {
				continue
			}
			if r.ContentLength >= 0 || len(f.Value) == 0 {
				return errContentLength
			}
			var n int64
			for _, c := range f.Value {
				if !isDigit(c) || n > maxContentLength/10 {
					return errContentLength
				}
				n = n*10 + int64(c-'0')
			}
			if n > maxContentLength {
				return errContentLength
			}
			r.ContentLength = n
		case 17:
			if !equalFold(f.Name, "transfer-encoding") {
				continue
			}
			te++
			if equalFold(f.Value, "chunked") {
				continue
			}
			// Anything but one "chunked" is refused; only the status varies.
			teErr = errTENotChunked
			chunked := false // an element before e was chunked
			for e, rest, ok := nextElement(f.Value); ok; e, rest, ok = nextElement(rest) {
				if chunked { // chunked must be the final coding, applied once
					teErr = errTEList
					break
				}
				name := e
				for i, c := range e {
					if c == ';' || c == ' ' || c == '\t' {
						name = e[:i]
						break
					}
				}
				if !isToken(name) {
					teErr = errTEList
					break
				}
				teErr = errTENotChunked
				if equalFold(e, "chunked") {
					teErr = errCoding // a coding we do not implement, then chunked
					chunked = true
				}
			}
		}
	}
	if r.Minor == 1 && hosts != 1 || hosts > 1 {
		return errHost
	}
	if te > 0 {
		switch {
		case r.ContentLength >= 0:
			return errCLAndTE
		case r.Minor == 0:
			return errTEInHTTP10
		case te > 1:
			return errTEList
		case teErr != nil:
			return teErr
		}
		r.Chunked = true
	}
	r.Expect100 = expect && r.Minor == 1
	if r.Minor == 1 {
		r.KeepAlive = !closeTok
	} else {
		r.KeepAlive = keepAlive && !closeTok
	}
	return nil
}

// validHostPort reports whether a Host value (already restricted to host
// characters) is uri-host [ ":" port ] (RFC 9110 section 7.2): an IP
// literal in brackets or a name without brackets, and a port of digits.
func validHostPort(v []byte) bool {
	port := []byte(nil)
	if len(v) > 0 && v[0] == '[' {
		i := bytes.IndexByte(v, ']')
		if i < 0 || bytes.IndexByte(v[1:i], '[') >= 0 {
			return false
		}
		rest := v[i+1:]
		if len(rest) == 0 {
			return true
		}
		if rest[0] != ':' {
			return false
		}
		port = rest[1:]
	} else {
		if bytes.IndexByte(v, '[') >= 0 || bytes.IndexByte(v, ']') >= 0 {
			return false
		}
		i := bytes.IndexByte(v, ':')
		if i < 0 {
			return true
		}
		port = v[i+1:]
	}
	for _, c := range port {
		if !isDigit(c) {
			return false
		}
	}
	return true
}
