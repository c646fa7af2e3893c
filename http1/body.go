package http1

import (
	"errors"
	"io"
	"net/http"
	"sync"

	"github.com/shio-rt/shio/http1/internal/http1parse"
)

// ErrBodyFraming is returned by a request body's Read when the chunked
// framing is malformed; the connection closes after the response. The same
// holds for a body the Handler left unread: when draining it finds the
// framing malformed, or the client gone before the declared length, and
// none of the Handler's response has been sent yet, the client gets a 400
// in its place.
var ErrBodyFraming = errors.New("http1: malformed chunked request body")

// body is a request body, read straight from the connection. It is used by
// the Handler's goroutine only while the Handler runs.
type body struct {
	c         *conn
	w         *response
	req       *http.Request
	remaining int64 // Content-Length bytes left, when not chunked
	chunked   bool
	limit     int64 // most bytes the Handler may read, or -1
	n         int64 // bytes read so far
	err       error // sticky: io.EOF at the end
	expect    bool  // a 100 Continue is owed before the first read
	trailer   http.Header

	closed, handlerDone bool
}

// Read reads the body. After the Handler returns it fails with
// http.ErrBodyReadAfterClose.
func (b *body) Read(p []byte) (int, error) {
	switch {
	case b.closed || b.handlerDone:
		return 0, http.ErrBodyReadAfterClose
	case b.err != nil:
		return 0, b.err
	case len(p) == 0:
		return 0, nil
	}
	if b.expect {
		b.expect = false
		if !b.w.committed {
			b.c.out = append(b.c.out, "HTTP/1.1 100 Continue\r\n\r\n"...)
			ok := b.c.flush()
			b.w.flushed()
			if !ok {
				b.err = b.c.werr
				return 0, b.err
			}
		}
	}
	n, err := b.read(p)
	b.n += int64(n)
	if b.limit >= 0 && b.n > b.limit {
		n -= int(b.n - b.limit)
		b.n = b.limit
		err = &http.MaxBytesError{Limit: b.limit}
	}
	if err != nil {
		b.err = err
		if err != io.EOF {
			b.c.mustClose = true
		} else if ctx, ok := b.req.Context().(*requestContext); ok {
			b.c.rwc.watchPeer(b.c, ctx) // the request is read whole
		}
	}
	return n, err
}

// bodyCopyBuf is WriteTo's buffer size: twice io.Copy's, so that over
// TLS a read takes about three records ahead of their plaintext
// (tlslayer's direct path) where io.Copy's 32 KiB take one.
const bodyCopyBuf = 64 << 10

var bodyCopyBufs = sync.Pool{New: func() any { b := make([]byte, bodyCopyBuf); return &b }}

// WriteTo writes the body to w; io.Copy uses it. It reads with a pooled
// buffer larger than io.Copy's own (which io.Copy allocates per call), so
// that an upload takes fewer reads from the socket, TLS records too. A w
// that reads for itself (io.ReaderFrom, but io.Discard, whose reads are
// small) is left to do so, as io.Copy would without WriteTo.
func (b *body) WriteTo(w io.Writer) (n int64, err error) {
	if rf, ok := w.(io.ReaderFrom); ok && w != io.Discard {
		return rf.ReadFrom(readerOnly{b})
	}
	bp := bodyCopyBufs.Get().(*[]byte)
	defer bodyCopyBufs.Put(bp)
	buf := *bp
	for {
		k, rerr := b.Read(buf)
		if k > 0 {
			m, werr := w.Write(buf[:k])
			n += int64(m)
			switch {
			case werr != nil:
				return n, werr
			case m != k:
				return n, io.ErrShortWrite
			}
		}
		switch {
		case rerr == io.EOF:
			return n, nil
		case rerr != nil:
			return n, rerr
		}
	}
}

// readerOnly hides a reader's WriteTo from an io.ReaderFrom, which may
// call io.Copy with it.
type readerOnly struct{ io.Reader }

func (b *body) read(p []byte) (int, error) {
	c := b.c
	if !b.chunked {
		if b.remaining == 0 {
			return 0, io.EOF
		}
		p = p[:min(int64(len(p)), b.remaining)]
		var n int
		if c.r < c.w {
			n = copy(p, c.buf[c.r:c.w])
			c.r += n
		} else {
			c.armBodyRead()
			var err error
			if n, err = c.rwc.Read(p); n == 0 {
				if err == nil || err == io.EOF {
					err = io.ErrUnexpectedEOF
				}
				return 0, err
			}
		}
		b.remaining -= int64(n)
		if b.remaining == 0 {
			return n, io.EOF
		}
		return n, nil
	}
	// Chunked: decode every chunk already received into p, waiting for
	// the connection only with nothing decoded yet; a large chunk's data
	// goes from the connection straight into p.
	total := 0
	for total < len(p) {
		if c.r == c.w {
			if total > 0 {
				// More of a large chunk goes on in p from the connection if
				// it has arrived (never waiting for it): p then holds the
				// stream at the offsets the data had in the chunk's
				// buffered start, which keeps the kernel's copy (and the
				// Handler's) on mutually aligned addresses: reading the
				// rest to p[0] instead made the kernel's copy of a chunked
				// upload three to four times slower (perf: _copy_to_iter).
				if left := c.chunk.DataLeft(); left >= directRead && len(p)-total >= directRead {
					c.r, c.w = 0, 0
					n, err := c.rwc.tryRead(p[total:min(int64(len(p)), int64(total)+left)])
					c.chunk.SkipData(n)
					total += n
					if err != nil {
						return total, err
					}
				}
				return total, nil
			}
			if left := c.chunk.DataLeft(); left >= directRead && len(p) >= directRead {
				c.r, c.w = 0, 0
				c.armBodyRead()
				n, err := c.rwc.Read(p[:min(int64(len(p)), left)])
				if n == 0 {
					if err == nil || err == io.EOF {
						err = io.ErrUnexpectedEOF
					}
					return 0, err
				}
				c.chunk.SkipData(n)
				return n, nil
			}
			if err := c.fill(); err != nil {
				return 0, err
			}
		}
		in := c.buf[c.r:min(c.w, c.r+len(p)-total)]
		data, n, err := c.chunk.Decode(in)
		total += copy(p[total:], data)
		c.r += n
		switch {
		case err == io.EOF:
			b.setTrailers()
			return total, io.EOF
		case err != nil:
			var perr *http1parse.Error
			if errors.As(err, &perr) {
				return total, ErrBodyFraming
			}
			return total, err
		}
	}
	return total, nil
}

func (b *body) setTrailers() {
	for _, f := range b.c.chunk.Trailers() {
		k := http.CanonicalHeaderKey(string(f.Name))
		switch k {
		case "Transfer-Encoding", "Content-Length", "Host", "Trailer":
			continue
		}
		if b.req.Trailer == nil {
			b.req.Trailer = http.Header{}
		}
		b.req.Trailer[k] = append(b.req.Trailer[k], string(f.Value))
	}
}

// Close stops the Handler's reads; what is left is drained or the
// connection closed after the response.
func (b *body) Close() error {
	b.closed = true
	return nil
}

// willClose reports, before the response's head is written, whether the
// server will close the connection after it rather than read what the
// Handler left of the body (so that the head says Connection: close).
func (b *body) willClose() bool {
	switch {
	case b.err != nil:
		return b.err != io.EOF
	case b.expect:
		return true // a client that asked to continue may never send the body
	case !b.chunked:
		return b.remaining > maxDrain
	}
	return false // chunked: discard finds out (before the head, once the Handler returned)
}

// discard reads what the Handler left unread, up to a bound, and records
// how that ended in b.err (io.EOF: the connection is at the next request).
func (b *body) discard() {
	if b.err != nil || b.expect {
		return
	}
	err := errDrainLimit
	var scratch [4 << 10]byte
	for total := 0; total < maxDrain; {
		n, rerr := b.read(scratch[:])
		total += n
		if rerr != nil {
			err = rerr
			break
		}
	}
	b.err = err
}

// drain discards what the Handler left unread, up to a bound, and reports
// whether the connection is positioned at the next request. A body that
// turns out malformed or cut short replaces the Handler's response with a
// 400 if none of it has been sent: the request was not a valid message.
func (b *body) drain() bool {
	b.discard()
	err := b.err
	if err == nil && b.expect {
		// A client that asked to continue may never send the body.
		return false
	}
	switch {
	case err == io.EOF:
		return true
	case errors.Is(err, ErrBodyFraming):
		b.w.refuse(http.StatusBadRequest, "malformed chunked body")
	case errors.Is(err, io.ErrUnexpectedEOF):
		b.w.refuse(http.StatusBadRequest, "body ended before its declared length")
	}
	return false
}

// errDrainLimit stops a drain that reached maxDrain without the body's end.
var errDrainLimit = errors.New("http1: request body too long to drain")
