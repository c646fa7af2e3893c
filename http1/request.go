package http1

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
)

// errTargetForm is a request target in a form its method does not allow.
var errTargetForm = errors.New("http1: request target form not allowed for the method")

// caseVariant reports whether m differs from a standard method only in
// case: methods are case-sensitive (RFC 9110 section 9.1), so "get" is an
// unknown method, refused with 501 rather than given to a Handler that
// would likely treat it as GET.
func caseVariant(m string) bool {
	for _, std := range methods {
		if m == std {
			return false // the common case, answered at the first compare for GET
		}
	}
	for _, std := range methods {
		if len(m) == len(std) && m != std && strings.EqualFold(m, std) {
			return true
		}
	}
	return false
}

// methods interns the common methods so that building a request does not
// allocate for them.
var methods = [...]string{"GET", "POST", "HEAD", "PUT", "DELETE", "OPTIONS", "PATCH", "CONNECT", "TRACE"}

func internMethod(b []byte) string {
	for _, m := range methods {
		if string(b) == m {
			return m
		}
	}
	return string(b)
}

// newRequest builds the *http.Request for c.head. It copies everything it
// keeps out of the read buffer, which the body may then reuse.
func (c *conn) newRequest(ctx context.Context, st *requestState, values []string) (*http.Request, error) {
	h := &c.head
	if st == nil {
		st = new(requestState)
	}
	method := internMethod(h.Method)

	// The target, field names and values repeat the memo's strings or
	// slice one fresh string that holds the rest.
	if c.memo == nil {
		c.memo = new(headMemo)
	}
	hs, sameTarget := c.memo.strings(h.Target, h.Fields)
	var target string
	if sameTarget {
		target = c.memo.target
	} else {
		target = hs.next(len(h.Target))
	}

	var u *url.URL
	var err error
	ok := false
	switch {
	case method == "CONNECT":
		// Only authority-form (RFC 9110 section 9.3.6); serveRequest then
		// refuses the method, since this server makes no tunnels.
		if strings.HasPrefix(target, "/") || target == "*" || strings.Contains(target, "://") {
			return nil, errTargetForm
		}
		u = &url.URL{Host: target} // authority-form, as net/http reads it
	case target == "*" && method != "OPTIONS":
		return nil, errTargetForm // asterisk-form is for OPTIONS only (RFC 9112 section 3.2.4)
	case sameTarget && c.memo.originForm:
		st.url = c.memo.url // the target's, parsed for the last request
		u = &st.url
	default:
		if ok = parseOriginForm(&st.url, target); ok {
			u = &st.url
			break
		}
		if u, err = url.ParseRequestURI(target); err != nil {
			return nil, err
		}
		// An absolute-form "http" URI must have a host (RFC 9110 section
		// 4.2.1) and no userinfo (section 4.2.4).
		if u.Scheme != "" && (u.Host == "" || u.User != nil) {
			return nil, errTargetForm
		}
	}

	// Sized for the fields it will hold: Host goes to Request.Host, so a
	// request with eight other fields still fits the map's first group.
	hint := len(h.Fields)
	if h.Host != nil {
		hint--
	}
	header := make(http.Header, hint)
	// The fields' first values share one slice, made for the first field
	// kept: a request with only Host (a load generator's, a health
	// check's) makes none, and the request state stays in a 256-byte
	// size class (a fixed array in it cost 128 bytes on every request).
	host := ""
	for i, f := range h.Fields {
		raw, name, value := hs.field(i, f)
		hs.remember(i, raw, name, value)
		switch name {
		case "Host":
			host = value
			continue
		case "Transfer-Encoding":
			continue
		}
		if old, ok := header[name]; ok {
			header[name] = append(old, value)
			continue
		}
		if values == nil {
			values = make([]string, len(h.Fields))
		}
		values[i] = value
		header[name] = values[i : i+1 : i+1]
	}
	var origin *url.URL
	if u == &st.url {
		origin = u
	}
	hs.done(target, sameTarget, origin, len(h.Fields))
	if u.Host != "" {
		host = u.Host
	}

	proto := "HTTP/1.1"
	if h.Minor == 0 {
		proto = "HTTP/1.0"
	}
	// The request lives in st: WithContext (inlined) copies a zero
	// Request on the stack, which is the only way to give a request its
	// context, and the copy into st is the request's only allocation
	// besides its header map (WithContext on a built request allocated a
	// second 320-byte block per request and copied it).
	req := &st.req
	*req = *(&http.Request{}).WithContext(ctx)
	req.Method = method
	req.URL = u
	req.Proto = proto
	req.ProtoMajor, req.ProtoMinor = 1, h.Minor
	req.Header = header
	req.Body = http.NoBody
	req.ContentLength = max(h.ContentLength, 0)
	req.Close = !h.KeepAlive
	req.Host = host
	req.RemoteAddr = c.remoteAddr
	req.RequestURI = target
	req.TLS = c.tls
	if h.Chunked || h.ContentLength > 0 {
		b := &body{c: c, remaining: h.ContentLength, chunked: h.Chunked, limit: bodyLimit(c.srv.MaxBodyBytes), expect: h.Expect100, req: req}
		req.Body = b
		if h.Chunked {
			req.ContentLength = -1
			req.TransferEncoding = []string{"chunked"}
			c.chunk.Reset()
			b.trailer = declaredTrailers(header)
			delete(header, "Trailer") // moved to Request.Trailer, as net/http
			req.Trailer = b.trailer
		}
	}
	return req, nil
}

// declaredTrailers returns the trailer keys a chunked request announces in
// its Trailer field, with nil values until the body is read, as net/http.
func declaredTrailers(h http.Header) http.Header {
	var t http.Header
	for _, v := range h["Trailer"] {
		for _, k := range strings.Split(v, ",") {
			k = http.CanonicalHeaderKey(strings.TrimSpace(k))
			switch k {
			case "", "Transfer-Encoding", "Trailer", "Content-Length":
				continue
			}
			if t == nil {
				t = http.Header{}
			}
			t[k] = nil
		}
	}
	return t
}

// parseOriginForm parses the common request target, a path of plain
// characters with an optional query (RFC 9112 section 3.2.1), into the URL
// url.ParseRequestURI would return, in u (which the caller allocates with
// the request's other state) instead of two allocations. It reports false for anything else (escapes, characters the URL package
// would re-escape into RawPath, other forms), which is left to
// url.ParseRequestURI.
func parseOriginForm(u *url.URL, target string) bool {
	if target == "" || target[0] != '/' {
		return false
	}
	path, query, hasQuery := strings.Cut(target, "?")
	for i := 0; i < len(path); i++ {
		if !plainPath[path[i]] {
			return false
		}
	}
	for i := 0; i < len(query); i++ {
		if b := query[i]; b <= ' ' || b >= 0x7f {
			return false
		}
	}
	*u = url.URL{Path: path, RawQuery: query, ForceQuery: hasQuery && query == ""}
	return true
}

// plainPath marks the bytes a path may hold and come out of url.URL's
// parsing unchanged, with no RawPath.
var plainPath = func() (t [256]bool) {
	for b := 'a'; b <= 'z'; b++ {
		t[b], t[b-'a'+'A'] = true, true
	}
	for b := '0'; b <= '9'; b++ {
		t[b] = true
	}
	for _, b := range "-._~/$&+,:;=@" {
		t[b] = true
	}
	return t
}()
