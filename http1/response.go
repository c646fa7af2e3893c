package http1

import (
	"bufio"
	"errors"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// ErrResponseDone is returned by writes to a ResponseWriter after its
// Handler returned.
var ErrResponseDone = errors.New("http1: write after the Handler returned")

// bufferLimit is how much body a response holds back before choosing its
// framing: a Handler that writes less and returns gets a Content-Length.
const bufferLimit = 4 << 10

// largeWrite is the size from which body bytes are written straight from the
// Handler's slice rather than copied into the output buffer.
const largeWrite = 16 << 10

// response is the http.ResponseWriter, http.Flusher and io.StringWriter of
// one request. A connection reuses it (and its header map) for each of its
// requests, so, as net/http documents, it must not be used after the
// Handler returns.
type response struct {
	c   *conn
	req *http.Request
	// body is the server's request body, kept apart from req.Body, which
	// the Handler may replace (http.MaxBytesReader): what it leaves unread
	// is drained or closes the connection all the same.
	body *body

	header      http.Header
	status      int
	wroteHeader bool  // the status is fixed
	committed   bool  // the head is queued on the connection
	chunked     bool  // the body is chunked
	closeAfter  bool  // the response ends the connection
	head        bool  // a HEAD request: no body bytes are sent
	cl          int64 // Content-Length to send, or -1

	// The header as WriteHeader found it (net/http's snapshot: later
	// changes are not sent, except trailers): its fields rendered in
	// sorted order, less those the server writes itself and the trailers,
	// and the facts commit needs. The buffers are reused across requests.
	fields   []byte
	kv       []field  // scratch for sorting
	trailers []string // the names the Trailer field declared, canonical
	hasType  bool     // Content-Type was set
	hasDate  bool     // Date was set
	askClose bool     // Connection: close was set
	written  int64    // body bytes the Handler wrote
	pend     []byte
	outStart int  // len(c.out) when this response began (or was last flushed)
	headAt   int  // len(c.out) when the final head was queued
	sent     bool // bytes of the final response have left c.out
	done     bool
}

func (w *response) reset(c *conn, req *http.Request) {
	if w.header == nil {
		w.header = make(http.Header, 8)
	} else {
		clear(w.header)
	}
	// Field by field rather than a composite literal: the buffers keep
	// their arrays and only their lengths are written.
	w.c, w.req, w.body = c, req, nil
	w.status, w.cl, w.written = 0, -1, 0
	w.wroteHeader, w.committed, w.chunked, w.closeAfter = false, false, false, false
	w.head = req.Method == "HEAD"
	w.hasType, w.hasDate, w.askClose, w.sent, w.done = false, false, false, false, false
	w.pend, w.fields, w.kv, w.trailers = w.pend[:0], w.fields[:0], w.kv[:0], w.trailers[:0]
	w.outStart, w.headAt = len(c.out), 0
}

// Header returns the header map that WriteHeader sends.
func (w *response) Header() http.Header { return w.header }

// WriteHeader sends the status code with the header as it is now, as
// net/http does: changes to the map after it are not sent, except trailers
// (fields the Trailer field declared, and those named with
// http.TrailerPrefix), which go in the trailer section only. The head goes
// out at the first flush or large write, so that a short body gets a
// Content-Length. 1xx codes other than 101 are sent at once (to HTTP/1.1
// clients only), with the header's fields, and may be repeated; 101
// Switching Protocols is final and carries the Handler's Connection and
// Upgrade fields. Later final codes are ignored. Fields are written in
// sorted order.
func (w *response) WriteHeader(code int) {
	if code < 100 || code > 999 {
		panic("http1: invalid WriteHeader code " + strconv.Itoa(code))
	}
	if w.wroteHeader || w.done || w.c.hijacked {
		return
	}
	if code < 200 && code != http.StatusSwitchingProtocols {
		if w.req.ProtoMinor == 0 {
			return // RFC 9110 section 15.2: never a 1xx to an HTTP/1.0 client
		}
		c := w.c
		c.out = appendStatusLine(c.out, code)
		// RFC 9110 section 8.6 and RFC 9112 section 6.1: no Content-Length
		// or Transfer-Encoding in a 1xx, whatever the map holds for the
		// final response.
		c.out = w.appendSorted(c.out, skipOnInterim)
		c.out = append(c.out, "\r\n"...)
		c.flush()
		w.flushed()
		return
	}
	w.wroteHeader, w.status = true, code
	w.snapshot()
}

// snapshot records the header as WriteHeader found it for commit: the
// Content-Length (an invalid one is deleted, as net/http does), the
// trailers declared, the facts commit needs and the other fields rendered
// in sorted order. It walks the map once; an empty map (the common
// Handler that only writes a body) costs nothing.
func (w *response) snapshot() {
	h := w.header
	if len(h) == 0 {
		w.fields = w.fields[:0]
		return
	}
	skip := skipOnCommit
	if w.status == http.StatusSwitchingProtocols {
		skip = skipOnSwitch // the Handler's Connection: Upgrade goes out
	}
	kv := w.kv[:0]
	for k, vs := range h {
		switch k {
		case "Content-Length":
			if v := first(vs); v != "" {
				if n, err := strconv.ParseInt(v, 10, 64); err == nil && n >= 0 && v[0] != '+' {
					w.cl = n
				} else {
					delete(h, k)
				}
			}
		case "Trailer":
			for _, decl := range vs {
				for _, t := range strings.Split(decl, ",") {
					if t = http.CanonicalHeaderKey(strings.TrimSpace(t)); validFieldName(t) {
						w.trailers = append(w.trailers, t)
					}
				}
			}
		case "Content-Type":
			w.hasType = true
		case "Date":
			w.hasDate = true
		case "Connection":
			w.askClose = hasToken(vs, "close")
		}
		if !skip(k) {
			kv = append(kv, field{k, vs})
		}
	}
	w.fields = w.appendFields(w.fields[:0], kv)
}

// field is a header field's name and values, for writing in sorted order.
type field struct {
	name   string
	values []string
}

// appendSorted appends the header's fields in sorted order (as net/http
// writes them), less those skip names and the declared trailers.
func (w *response) appendSorted(b []byte, skip func(string) bool) []byte {
	kv := w.kv[:0]
	for k, vs := range w.header {
		if !skip(k) {
			kv = append(kv, field{k, vs})
		}
	}
	return w.appendFields(b, kv)
}

// appendFields appends the fields in kv (w.kv's scratch, cleared after)
// in sorted order, less the declared trailers and invalid names.
func (w *response) appendFields(b []byte, kv []field) []byte {
	if len(w.trailers) > 0 {
		kv = slices.DeleteFunc(kv, func(f field) bool { return slices.Contains(w.trailers, f.name) })
	}
	if len(kv) <= 12 {
		// Insertion sort: a handful of fields sort faster without the
		// generic sort's setup (and without an allocation either way).
		for i := 1; i < len(kv); i++ {
			for j := i; j > 0 && kv[j].name < kv[j-1].name; j-- {
				kv[j], kv[j-1] = kv[j-1], kv[j]
			}
		}
	} else {
		slices.SortFunc(kv, func(a, b field) int { return strings.Compare(a.name, b.name) })
	}
	for _, f := range kv {
		if validFieldName(f.name) {
			for _, v := range f.values {
				b = appendField(b, f.name, v)
			}
		}
	}
	clear(kv)
	w.kv = kv[:0]
	return b
}

// bodyAllowed reports whether a response with status may carry content:
// not 1xx, 204 or 304 (RFC 9112 section 6.3), nor 205 (RFC 9110 section
// 15.3.6).
func bodyAllowed(status int) bool {
	switch status {
	case http.StatusNoContent, http.StatusResetContent, http.StatusNotModified:
		return false
	}
	return status >= 200
}

// flushed records that c.out was written out while this response ran, so
// that what is left of it starts at the front of c.out.
func (w *response) flushed() {
	w.outStart = len(w.c.out)
	w.sent = w.committed
}

// refuse replaces the queued response with an error response that closes
// the connection, when none of it has been sent yet, and reports whether it
// could. It is for a request found malformed after its Handler answered:
// the client must not take the Handler's answer for a request the server
// could not frame (RFC 9112 sections 6.3 and 7.1).
func (w *response) refuse(status int, reason string) bool {
	if !w.committed || w.sent {
		return false
	}
	w.c.out = w.c.out[:w.headAt]
	w.c.reject(status, reason)
	return true
}

// Write writes body bytes. It returns http.ErrBodyNotAllowed for statuses
// without a body, http.ErrContentLength past a declared Content-Length, and
// the connection's error once the client is gone.
func (w *response) Write(p []byte) (int, error) {
	if err := w.precheck(len(p)); err != nil || len(p) == 0 {
		return 0, err
	}
	if !w.committed {
		if len(w.pend)+len(p) <= bufferLimit {
			w.pend = append(w.pendBuf(), p...)
			return len(p), nil
		}
		w.commit(false, p)
	}
	w.emit(p)
	return len(p), w.c.werr
}

// WriteString is Write for a string, without converting it.
func (w *response) WriteString(s string) (int, error) {
	if !w.committed && len(w.pend)+len(s) <= bufferLimit {
		if err := w.precheck(len(s)); err != nil || len(s) == 0 {
			return 0, err
		}
		w.pend = append(w.pendBuf(), s...)
		return len(s), nil
	}
	return w.Write([]byte(s))
}

// pendBuf returns pend, made (from the pool of read buffers, which have
// its size) by the connection's first body write: a Handler that writes
// no body before it hijacks (a WebSocket upgrade) never has one, so an
// upgrade leaves no 4 KiB of garbage per connection behind it.
func (w *response) pendBuf() []byte {
	if w.pend == nil {
		w.pend = appendPooled(nil, nil)
		if cap(w.pend) != bufferLimit { // a read buffer that grew: leave it to the GC
			w.pend = make([]byte, 0, bufferLimit)
		}
	}
	return w.pend
}

func (w *response) precheck(n int) error {
	switch {
	case w.c.hijacked:
		return http.ErrHijacked
	case w.done:
		return ErrResponseDone
	case w.c.werr != nil:
		return w.c.werr
	}
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	if n == 0 {
		return nil
	}
	if !bodyAllowed(w.status) {
		return http.ErrBodyNotAllowed
	}
	if w.cl >= 0 && w.written+int64(n) > w.cl {
		return http.ErrContentLength
	}
	w.written += int64(n)
	return nil
}

// emit queues body bytes after the head.
func (w *response) emit(p []byte) {
	c := w.c
	if w.head || len(p) == 0 {
		return
	}
	if w.chunked {
		c.out = strconv.AppendInt(c.out, int64(len(p)), 16)
		c.out = append(c.out, "\r\n"...)
	}
	if len(p) >= largeWrite {
		c.write(p)
		w.flushed()
	} else {
		c.out = append(c.out, p...)
	}
	if w.chunked {
		c.out = append(c.out, "\r\n"...)
	}
	if len(c.out) >= largeWrite {
		c.flush()
		w.flushed()
	}
}

// Flush sends the head and everything written so far.
func (w *response) Flush() { _ = w.FlushError() }

// FlushError is Flush reporting the connection's write error, for
// http.ResponseController.
func (w *response) FlushError() error {
	if w.c.hijacked {
		return http.ErrHijacked
	}
	if w.done {
		return ErrResponseDone
	}
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	if !w.committed {
		w.commit(false, nil)
	}
	w.c.flush()
	w.flushed()
	return w.c.werr
}

// finish completes the response after the Handler returned.
func (w *response) finish() {
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	if !w.committed {
		w.commit(true, nil)
	}
	c := w.c
	if w.chunked {
		c.out = append(c.out, "0\r\n"...)
		c.out = appendTrailers(c.out, w.header, w.trailers)
		c.out = append(c.out, "\r\n"...)
	}
	if w.cl >= 0 && w.written < w.cl && !w.head && bodyAllowed(w.status) {
		w.closeAfter = true // the client waits for bytes that never come
	}
	w.done = true
}

// commit queues the head and the held-back body. final reports that the
// Handler has returned, so the held-back body is the whole body; more holds
// the bytes about to be written, for content sniffing.
func (w *response) commit(final bool, more []byte) {
	c, h, req := w.c, w.header, w.req
	w.committed = true
	allowed := bodyAllowed(w.status)
	hasTrailers := len(w.trailers) > 0 || final && anyTrailerPrefix(h)
	switch {
	case !allowed:
		switch {
		case w.status == http.StatusNoContent || w.status < 200:
			w.cl = -1
		case w.status == http.StatusResetContent:
			w.cl = 0 // no content, and framing that says so (RFC 9110 section 15.3.6)
		}
	case w.cl >= 0:
	case final && !hasTrailers && (!w.head || w.written > 0):
		w.cl = int64(len(w.pend))
		if w.head {
			w.cl = w.written
		}
	case w.head:
	case req.ProtoMinor >= 1:
		w.chunked = true
	default:
		w.closeAfter = true // an HTTP/1.0 body of unknown length ends at close
	}
	if !req.ProtoAtLeast(1, 1) && !hasToken(req.Header["Connection"], "keep-alive") ||
		req.Close || c.mustClose || w.askClose || !c.srv.keepAlive() {
		w.closeAfter = true
	}
	if b := w.body; b != nil && b.willClose() {
		w.closeAfter = true // the server will not read the rest of the body
	}
	switching := w.status == http.StatusSwitchingProtocols
	if switching {
		// The connection is the Handler's to take over (Hijack); if it
		// does not, it cannot carry another request.
		w.closeAfter = true
	}

	w.headAt = len(c.out)
	c.out = appendStatusLine(c.out, w.status)
	if !w.hasDate {
		c.out = appendDateAt(c.out, c.now)
	}
	if !w.hasType && allowed && (len(w.pend) > 0 || len(more) > 0) {
		sniff := w.pend
		if len(sniff) == 0 {
			sniff = more
		}
		c.out = append(c.out, "Content-Type: "...)
		c.out = append(c.out, c.sniff.detect(sniff)...)
		c.out = append(c.out, "\r\n"...)
	}
	c.out = append(c.out, w.fields...)
	if w.cl >= 0 {
		c.out = append(c.out, "Content-Length: "...)
		c.out = appendInt(c.out, w.cl)
		c.out = append(c.out, "\r\n"...)
	}
	if w.chunked {
		c.out = append(c.out, "Transfer-Encoding: chunked\r\n"...)
	}
	switch {
	case switching: // its Connection field is the Handler's
	case w.closeAfter:
		c.out = append(c.out, "Connection: close\r\n"...)
	case req.ProtoMinor == 0:
		c.out = append(c.out, "Connection: keep-alive\r\n"...)
	}
	c.out = append(c.out, "\r\n"...)
	if len(w.pend) > 0 {
		w.emit(w.pend)
		w.pend = w.pend[:0]
	}
}

// skipOnInterim lists the fields a 1xx response never carries.
func skipOnInterim(k string) bool {
	switch k {
	case "Content-Length", "Transfer-Encoding":
		return true
	}
	return strings.HasPrefix(k, http.TrailerPrefix)
}

// skipOnCommit lists the fields the server writes itself. Date is not
// among them: a Handler's Date goes out as it set it (RFC 9110 section
// 6.6.1), and the server adds one only when the Handler set none.
func skipOnCommit(k string) bool {
	switch k {
	case "Content-Length", "Transfer-Encoding", "Connection":
		return true
	}
	return strings.HasPrefix(k, http.TrailerPrefix)
}

// skipOnSwitch is skipOnCommit for 101 Switching Protocols, whose
// Connection field (Upgrade) is the Handler's.
func skipOnSwitch(k string) bool {
	return k != "Connection" && skipOnCommit(k)
}

func anyTrailerPrefix(h http.Header) bool {
	if len(h) == 0 {
		return false // and no iterator to set up
	}
	for k := range h {
		if strings.HasPrefix(k, http.TrailerPrefix) {
			return true
		}
	}
	return false
}

func hasToken(values []string, token string) bool {
	for _, v := range values {
		for _, e := range strings.Split(v, ",") {
			if strings.EqualFold(strings.TrimSpace(e), token) {
				return true
			}
		}
	}
	return false
}

// first returns a field's first value, as http.Header.Get does for a
// canonical key, without canonicalising the key again.
func first(values []string) string {
	if len(values) == 0 {
		return ""
	}
	return values[0]
}

// Hijack implements http.Hijacker: the Handler takes the connection over
// (to speak WebSocket, say) and the server forgets it. Anything the Handler
// already wrote is sent first; bytes the client sent after the request's
// head wait in the returned reader. On the reactor the connection becomes
// a shio tcp.Conn (a net.Conn with deadlines) on the same event loop, still
// holding no goroutine while nobody reads it; on the fallback path it is
// the listener's own net.Conn. On the reactor, a Read of the request's
// body after Hijack fails with http.ErrHijacked: the body bytes already
// received are the returned reader's, and what follows is the
// connection's (net/http's body reads the same buffered reader as the
// hijacker, so there the two share the bytes). The request's context ends when the
// Handler returns, as in net/http. Server.Shutdown does not close a
// hijacked connection: its owner does, told by Server.RegisterOnShutdown;
// a reactor connection is waited for (up to Shutdown's context) like any
// other, a fallback one is not. Server.Close closes reactor connections,
// hijacked or not.
func (w *response) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	c := w.c
	switch {
	case c.hijacked:
		return nil, nil, http.ErrHijacked
	case w.done:
		return nil, nil, ErrResponseDone
	}
	if w.wroteHeader && !w.committed {
		w.commit(false, nil)
	}
	if !c.flush() {
		return nil, nil, c.werr
	}
	nc, r, err := c.rwc.hijack(c)
	if err != nil {
		return nil, nil, err
	}
	c.hijacked = true
	w.c.srv.stats.hijacked.Add(1)
	// The Handler owns the connection now and may keep it for hours
	// (a WebSocket library blocked in Read): the server's buffers for it
	// go now, not when the Handler returns (about 8 KiB per connection).
	c.releaseBuffers()
	c.r, c.w = 0, 0
	w.pend = releasePooled(w.pend)
	w.fields, w.kv = nil, nil
	// The head's field storage, and the last head's strings (the memo),
	// that a connection parsing no more heads has no use for: to the next
	// connection, not to the GC.
	c.releaseHead()
	return nc, bufio.NewReadWriter(bufio.NewReader(r), bufio.NewWriter(nc)), nil
}

// SetReadDeadline is http.ResponseController's: the request body's reads
// fail with a timeout past t (the zero t: never) instead of after
// ReadTimeout without progress. It lasts for this request.
func (w *response) SetReadDeadline(t time.Time) error {
	if w.done || w.c.hijacked {
		return ErrResponseDone
	}
	w.c.readAt, w.c.readSet = t, true
	return nil
}

// SetWriteDeadline is http.ResponseController's: the response's writes
// fail with a timeout once t has passed while they wait for the client
// (the zero t: never), instead of after WriteTimeout without progress. It
// lasts for this request.
func (w *response) SetWriteDeadline(t time.Time) error {
	if w.done || w.c.hijacked {
		return ErrResponseDone
	}
	w.c.writeAt, w.c.writeSet = t, true
	return nil
}

// EnableFullDuplex is http.ResponseController's. It is always on here: a
// Handler may read the request body after it has written and flushed part
// of the response.
func (w *response) EnableFullDuplex() error { return nil }
