package loadgen

import (
	"bufio"
	"errors"
	"io"
	"strconv"
)

// readResponse reads one HTTP/1.x response from br, skipping interim (1xx)
// responses, and discards its body, which it reads fully: by Content-Length,
// chunked coding, or up to the end of the connection. noBody says the
// request was HEAD.
//
// It reports the final status, whether the connection must be closed after
// this response, and whether any byte of the response had arrived (so that
// an error can be told apart as "closed before response" or "closed
// mid-response"). Protocol violations are *protoError. It allocates only on
// errors.
func readResponse(br *bufio.Reader, noBody bool) (status int, closeConn, started bool, err error) {
	for {
		line, err := br.ReadSlice('\n')
		if err != nil {
			if errors.Is(err, bufio.ErrBufferFull) {
				return 0, false, true, &protoError{KindStatusLine, "status line too long"}
			}
			return 0, false, started || len(line) > 0, err
		}
		started = true
		var http10, ok bool
		status, http10, ok = parseStatusLine(line)
		if !ok {
			return 0, false, true, &protoError{KindStatusLine, "bad status line " + strconv.Quote(string(line[:min(len(line), 40)]))}
		}
		closeConn = http10
		length, chunked, keepAlive, closeHdr, err := readHeader(br)
		if err != nil {
			return status, false, true, err
		}
		if closeHdr {
			closeConn = true
		} else if keepAlive {
			closeConn = false
		}
		if status >= 100 && status < 200 && status != 101 {
			continue // interim response: the final one follows
		}
		switch {
		case noBody || status == 204 || status == 304 || status < 200:
			return status, closeConn, true, nil
		case chunked:
			return status, closeConn, true, readChunked(br)
		case length >= 0:
			if _, err := br.Discard(int(length)); err != nil {
				return status, closeConn, true, err
			}
			return status, closeConn, true, nil
		}
		// No length: the body runs to the end of the connection.
		for {
			if _, err := br.Discard(br.Size()); err != nil {
				if err == io.EOF {
					return status, true, true, nil
				}
				return status, true, true, err
			}
		}
	}
}

// parseStatusLine parses "HTTP/1.x NNN reason\r\n".
func parseStatusLine(line []byte) (status int, http10, ok bool) {
	if len(line) < 13 || string(line[:7]) != "HTTP/1." || (line[7] != '0' && line[7] != '1') || line[8] != ' ' {
		return 0, false, false
	}
	for _, c := range line[9:12] {
		if c < '0' || c > '9' {
			return 0, false, false
		}
		status = status*10 + int(c-'0')
	}
	if c := line[12]; c != ' ' && c != '\r' && c != '\n' || status < 100 || status > 599 {
		return 0, false, false
	}
	return status, line[7] == '0', true
}

// readHeader reads header fields up to the empty line and returns what
// framing needs. length is -1 when there is no Content-Length.
func readHeader(br *bufio.Reader) (length int64, chunked, keepAlive, closeConn bool, err error) {
	length = -1
	for {
		line, err := br.ReadSlice('\n')
		if err != nil {
			if errors.Is(err, bufio.ErrBufferFull) {
				return 0, false, false, false, &protoError{KindHeader, "header line too long"}
			}
			return 0, false, false, false, err
		}
		line = trimSpace(line)
		if len(line) == 0 {
			return length, chunked, keepAlive, closeConn, nil
		}
		colon := indexByte(line, ':')
		if colon <= 0 {
			return 0, false, false, false, &protoError{KindHeader, "header line without a colon"}
		}
		name, value := line[:colon], trimSpace(line[colon+1:])
		switch {
		case equalFold(name, "content-length"):
			n, ok := parseDecimal(value)
			if !ok || (length >= 0 && n != length) {
				return 0, false, false, false, &protoError{KindHeader, "bad Content-Length"}
			}
			length = n
		case equalFold(name, "transfer-encoding"):
			chunked = hasTokenFold(value, "chunked")
		case equalFold(name, "connection"):
			closeConn = closeConn || hasTokenFold(value, "close")
			keepAlive = keepAlive || hasTokenFold(value, "keep-alive")
		}
	}
}

// readChunked reads and discards a chunked body, trailers included.
func readChunked(br *bufio.Reader) error {
	for {
		line, err := br.ReadSlice('\n')
		if err != nil {
			if errors.Is(err, bufio.ErrBufferFull) {
				return &protoError{KindChunk, "chunk size line too long"}
			}
			return err
		}
		size, ok := parseChunkSize(line)
		if !ok {
			return &protoError{KindChunk, "bad chunk size " + strconv.Quote(string(line[:min(len(line), 40)]))}
		}
		if size == 0 {
			for { // trailer section
				line, err := br.ReadSlice('\n')
				if err != nil {
					if errors.Is(err, bufio.ErrBufferFull) {
						return &protoError{KindChunk, "trailer line too long"}
					}
					return err
				}
				if len(trimSpace(line)) == 0 {
					return nil
				}
			}
		}
		if _, err := br.Discard(int(size)); err != nil {
			return err
		}
		line, err = br.ReadSlice('\n')
		if err != nil {
			if errors.Is(err, bufio.ErrBufferFull) {
				return &protoError{KindChunk, "chunk data longer than its size"}
			}
			return err
		}
		if len(trimSpace(line)) != 0 {
			return &protoError{KindChunk, "chunk data longer than its size"}
		}
	}
}

// parseChunkSize parses the hexadecimal size of a chunk-size line, ignoring
// extensions.
func parseChunkSize(line []byte) (int64, bool) {
	line = trimSpace(line)
	if i := indexByte(line, ';'); i >= 0 {
		line = trimSpace(line[:i])
	}
	if len(line) == 0 || len(line) > 15 {
		return 0, false
	}
	var n int64
	for _, c := range line {
		switch {
		case c >= '0' && c <= '9':
			n = n<<4 | int64(c-'0')
		case c >= 'a' && c <= 'f':
			n = n<<4 | int64(c-'a'+10)
		case c >= 'A' && c <= 'F':
			n = n<<4 | int64(c-'A'+10)
		default:
			return 0, false
		}
	}
	return n, true
}

func parseDecimal(b []byte) (int64, bool) {
	if len(b) == 0 || len(b) > 18 {
		return 0, false
	}
	var n int64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	return n, true
}

func trimSpace(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t') {
		b = b[1:]
	}
	for len(b) > 0 && (b[len(b)-1] == ' ' || b[len(b)-1] == '\t' || b[len(b)-1] == '\r' || b[len(b)-1] == '\n') {
		b = b[:len(b)-1]
	}
	return b
}

func indexByte(b []byte, c byte) int {
	for i, x := range b {
		if x == c {
			return i
		}
	}
	return -1
}

// equalFold reports whether b equals the lower-case ASCII string s, ignoring
// case.
func equalFold(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := range len(b) {
		c := b[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != s[i] {
			return false
		}
	}
	return true
}

// hasTokenFold reports whether the comma-separated list v holds the token t
// (lower-case), ignoring case.
func hasTokenFold(v []byte, t string) bool {
	for len(v) > 0 {
		i := indexByte(v, ',')
		var tok []byte
		if i < 0 {
			tok, v = v, nil
		} else {
			tok, v = v[:i], v[i+1:]
		}
		if equalFold(trimSpace(tok), t) {
			return true
		}
	}
	return false
}
