package http1

import (
	"errors"
	"io"
	"net/http"
	"os"
	"time"
)

// ReadFrom implements io.ReaderFrom, which io.Copy, http.ServeContent and
// http.FileServer use: from a regular *os.File (or an *io.LimitedReader
// of one, as io.CopyN makes), once the head is settled with a
// Content-Length, the body goes from the file to the socket with
// sendfile(2) on the reactor, copying nothing in user space; the socket's
// pace and the write timeout apply as to Write. Anything else (a chunked
// or HEAD response, a body to sniff for its Content-Type, other readers,
// the fallback path) is copied through Write.
func (w *response) ReadFrom(src io.Reader) (int64, error) {
	f, off, n := sendable(src)
	if f == nil || w.c.hijacked || w.done || w.c.werr != nil {
		return io.Copy(writerOnly{w}, src)
	}
	if !w.wroteHeader {
		w.WriteHeader(200)
	}
	if w.head || w.cl < 0 || !bodyAllowed(w.status) || !w.committed && !w.hasType && len(w.pend) == 0 {
		return io.Copy(writerOnly{w}, src)
	}
	n = min(n, w.cl-w.written)
	if n <= 0 {
		return io.Copy(writerOnly{w}, src) // past the Content-Length: Write says so
	}
	c := w.c
	if !w.committed {
		w.commit(false, nil)
	}
	c.armWrite()
	// The head (and anything else pending) goes with the file: on the
	// reactor in the segment of its first bytes.
	head := c.out
	m, err := c.rwc.sendFile(head, f, off, n)
	hm := min(m, int64(len(head)))
	c.out = c.out[:copy(c.out, c.out[hm:])] // the head's rest, if the file could not go
	if hm > 0 {
		w.flushed() // the head is out: no refusing it now
	}
	m -= hm
	w.written += m
	if lr, ok := src.(*io.LimitedReader); ok {
		lr.N -= m
	}
	if m > 0 && off >= 0 { // (off < 0: sendfile moved the file's position)
		if _, serr := f.Seek(off+m, io.SeekStart); serr != nil && err == nil {
			err = serr
		}
	}
	switch {
	case errors.Is(err, errors.ErrUnsupported) || errors.Is(err, io.ErrUnexpectedEOF):
		// Copy instead (a file that shrank ends the copy at its EOF).
	case err != nil:
		c.werr = err
		return m, err
	}
	if !c.flush() {
		return m, c.werr
	}
	w.flushed()
	rest, err := io.Copy(writerOnly{w}, src) // what is left, if anything
	return m + rest, err
}

// writerOnly hides a ResponseWriter's ReadFrom from io.Copy.
type writerOnly struct{ io.Writer }

// sendable returns the regular file src reads from, the offset to send
// from (-1: the file's position, for sendfile to advance) and how many
// bytes it would read, or nil.
func sendable(src io.Reader) (*os.File, int64, int64) {
	limit := int64(-1)
	if lr, ok := src.(*io.LimitedReader); ok {
		src, limit = lr.R, lr.N
	}
	f, ok := src.(*os.File)
	if !ok {
		return nil, 0, 0
	}
	fi, err := f.Stat()
	if err != nil || !fi.Mode().IsRegular() {
		return nil, 0, 0
	}
	if limit >= 0 {
		// io.CopyN's reader (http.ServeContent's): send up to the limit
		// from the file's position, which sendfile then advances; a file
		// shorter than that ends the send early, and the copy after it
		// finds its end.
		if limit == 0 || fi.Size() == 0 {
			return nil, 0, 0
		}
		return f, -1, min(limit, fi.Size())
	}
	pos, err := f.Seek(0, io.SeekCurrent)
	if err != nil {
		return nil, 0, 0
	}
	n := fi.Size() - pos
	if n <= 0 {
		return nil, 0, 0
	}
	return f, pos, n
}

// sendFile sends head and then n bytes of f from off with
// reactor.Conn.SendFileAfter, from the request goroutine, waiting (each
// wait bounded by the write timeout, as in Write) while the socket is
// full.
func (rc *rconn) sendFile(head []byte, f *os.File, off, n int64) (int64, error) {
	var sent int64 // of f
	hn := int64(len(head))
	for {
		o := off + sent
		if off < 0 {
			o = -1 // the file's position, advanced by what went
		}
		m, err := rc.c.SendFileAfter(head, f, o, int(min(n-sent, 1<<30)))
		h := min(m, len(head))
		head = head[h:]
		sent += int64(m - h)
		if err != nil || len(head) == 0 && sent == n {
			return hn - int64(len(head)) + sent, err
		}
		if d := rc.writeFor; d > 0 {
			rc.c.SetWriteDeadline(time.Now().Add(d))
		}
		rc.mu.Lock()
		err = rc.closedErrLocked()
		if err == nil && rc.phase == phaseHijacked {
			err = http.ErrHijacked // no wake channel any more (see hijack)
		}
		rc.mu.Unlock()
		if err != nil {
			return hn - int64(len(head)) + sent, err
		}
		<-rc.wake // OnDrain: the socket takes more
	}
}

// sendFile is not done on the fallback path: ReadFrom copies.
func (t *netConn) sendFile([]byte, *os.File, int64, int64) (int64, error) {
	return 0, errors.ErrUnsupported
}
