package http1

import (
	"errors"
	"io"
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
	f, n := sendable(src)
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
	if !c.flush() {
		return 0, c.werr
	}
	w.flushed()
	off, err := f.Seek(0, io.SeekCurrent)
	if err != nil {
		return io.Copy(writerOnly{w}, src)
	}
	m, err := c.rwc.sendFile(f, off, n)
	w.written += m
	if lr, ok := src.(*io.LimitedReader); ok {
		lr.N -= m
	}
	if m > 0 {
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
	rest, err := io.Copy(writerOnly{w}, src) // what is left, if anything
	return m + rest, err
}

// writerOnly hides a ResponseWriter's ReadFrom from io.Copy.
type writerOnly struct{ io.Writer }

// sendable returns the regular file src reads from and how many bytes it
// would read, or nil.
func sendable(src io.Reader) (*os.File, int64) {
	limit := int64(-1)
	if lr, ok := src.(*io.LimitedReader); ok {
		src, limit = lr.R, lr.N
	}
	f, ok := src.(*os.File)
	if !ok {
		return nil, 0
	}
	fi, err := f.Stat()
	if err != nil || !fi.Mode().IsRegular() {
		return nil, 0
	}
	pos, err := f.Seek(0, io.SeekCurrent)
	if err != nil {
		return nil, 0
	}
	n := fi.Size() - pos
	if limit >= 0 {
		n = min(n, limit)
	}
	if n <= 0 {
		return nil, 0
	}
	return f, n
}

// sendFile sends n bytes of f from off with reactor.Conn.SendFile, from
// the request goroutine, waiting (each wait bounded by the write timeout,
// as in Write) while the socket is full.
func (rc *rconn) sendFile(f *os.File, off, n int64) (int64, error) {
	var sent int64
	for sent < n {
		m, err := rc.c.SendFile(f, off+sent, int(min(n-sent, 1<<30)))
		sent += int64(m)
		if err != nil || sent == n {
			return sent, err
		}
		if d := rc.writeFor; d > 0 {
			rc.c.SetWriteDeadline(time.Now().Add(d))
		}
		rc.mu.Lock()
		err = rc.closedErrLocked()
		rc.mu.Unlock()
		if err != nil {
			return sent, err
		}
		<-rc.wake // OnDrain: the socket takes more
	}
	return sent, nil
}

// sendFile is not done on the fallback path: ReadFrom copies.
func (t *netConn) sendFile(*os.File, int64, int64) (int64, error) {
	return 0, errors.ErrUnsupported
}
