package http1parse

import "io"

// Chunked decoder states.
const (
	stSize     uint8 = iota // first hex digit of a chunk size
	stSizeMore              // further hex digits
	stSizeWS                // whitespace after the size: only ';' may follow
	stSizeLF                // LF ending the size line
	stData                  // chunk data
	stDataCR                // CR after chunk data
	stDataLF                // LF after chunk data
	stTrailer               // trailer section, buffered
	stDone                  // final chunk and trailers consumed

	// Chunk extension states (RFC 9112 section 7.1.1):
	// *( BWS ";" BWS name [ BWS "=" BWS ( token / quoted-string ) ] ).
	stExtName     // after ';': BWS, then the name's first byte
	stExtNameMore // in the name
	stExtNameWS   // BWS after the name: '=' or ';' follows
	stExtVal      // after '=': BWS, then a token or a quoted string
	stExtValMore  // in a token value
	stExtQuoted   // in a quoted string
	stExtPair     // after a backslash in a quoted string
	stExtValEnd   // after a value: ';', BWS or CR
	stExtValWS    // BWS after a value: ';' follows
)

// Default bounds of [Chunked], used for zero fields.
const (
	DefaultMaxChunkExt     = 4 << 10
	DefaultMaxTrailerBytes = 8 << 10
)

// Chunked decodes the chunked transfer coding (RFC 9112 section 7.1) from
// bytes delivered in pieces of any size. The zero value is ready to decode one
// body; Reset readies it for the next. A Chunked is not safe for concurrent
// use.
//
// Decoding copies nothing: data comes back as slices of the input. Only a
// trailer section is buffered (and so allocates), bounded by
// MaxTrailerBytes.
type Chunked struct {
	// MaxChunkExt bounds one size line's extensions. Zero means
	// DefaultMaxChunkExt (4 KiB); longer extensions are refused with 400.
	MaxChunkExt int
	// MaxTrailerBytes bounds the trailer section, refused with 431 past it.
	// Zero means DefaultMaxTrailerBytes (8 KiB).
	MaxTrailerBytes int

	state    uint8
	size     int64 // current chunk size while reading it, then bytes left
	extLen   int
	trailer  []byte
	trailers []Field
}

// Reset readies d for a new body, keeping its limits and buffers.
func (d *Chunked) Reset() {
	d.state, d.size, d.extLen = stSize, 0, 0
	d.trailer, d.trailers = d.trailer[:0], d.trailers[:0]
}

// Done reports whether the final chunk and the trailer section are consumed.
func (d *Chunked) Done() bool { return d.state == stDone }

// Trailers returns the trailer fields once [Chunked.Done]. They alias d's own
// buffer and are valid until Reset.
func (d *Chunked) Trailers() []Field { return d.trailers }

// DataLeft returns how many bytes of the current chunk's data are still to
// come while d is inside a chunk's data, and 0 elsewhere: a reader may take
// up to that many straight from the connection into its own buffer, past
// Decode, and report them with SkipData.
func (d *Chunked) DataLeft() int64 {
	if d.state != stData {
		return 0
	}
	return d.size
}

// SkipData records n bytes of chunk data consumed without Decode (see
// DataLeft). It panics if n is negative or more than DataLeft.
func (d *Chunked) SkipData(n int) {
	if n < 0 || int64(n) > d.DataLeft() {
		panic("http1parse: SkipData past the chunk's data")
	}
	if d.size -= int64(n); d.size == 0 && n > 0 {
		d.state = stDataCR
	}
}

// Decode consumes framing from in and returns the next piece of chunk data, a
// slice of in, with the number of bytes of in consumed (data included). It
// returns io.EOF, with the bytes up to the body's end consumed, once the last
// chunk and the trailers are read; bytes after that belong to the next
// message. With in exhausted and the body unfinished it returns what it
// consumed and no error: call again with more bytes. Malformed framing is an
// [*Error], after which the connection must be closed.
func (d *Chunked) Decode(in []byte) (data []byte, n int, err error) {
	for n < len(in) {
		c := in[n]
		switch d.state {
		case stSize, stSizeMore:
			v := unhex(c)
			if v < 0 {
				if d.state == stSize {
					return nil, n, errChunkSize
				}
				switch c {
				case '\r':
					d.state = stSizeLF
				case ';':
					d.state = stExtName
				case ' ', '\t':
					d.state = stSizeWS
				default:
					return nil, n, errChunkSize
				}
				break
			}
			if d.size > maxContentLength>>4 {
				return nil, n, errChunkSize
			}
			if d.size = d.size<<4 | int64(v); d.size > maxContentLength {
				return nil, n, errChunkSize
			}
			d.state = stSizeMore
		case stSizeWS:
			switch c {
			case ' ', '\t':
			case ';':
				d.state = stExtName
			default:
				return nil, n, errChunkSize
			}
		case stSizeLF:
			if c != '\n' {
				return nil, n, errBareLF
			}
			d.extLen = 0
			d.state = stData
			if d.size == 0 {
				d.state = stTrailer
			}
		case stData:
			k := int64(len(in) - n)
			if k > d.size {
				k = d.size
			}
			data = in[n : n+int(k)]
			d.size -= k
			if d.size == 0 {
				d.state = stDataCR
			}
			return data, n + int(k), nil
		case stDataCR:
			if c != '\r' {
				return nil, n, errChunkCRLF
			}
			d.state = stDataLF
		case stDataLF:
			if c != '\n' {
				return nil, n, errChunkCRLF
			}
			d.state = stSize
		case stTrailer:
			return d.trailerBytes(in, n)
		case stDone:
			return nil, n, io.EOF
		default:
			if d.extLen++; d.extLen > pick(d.MaxChunkExt, DefaultMaxChunkExt) || !d.ext(c) {
				return nil, n, errChunkExt
			}
		}
		n++
	}
	if d.state == stDone {
		return nil, n, io.EOF
	}
	return nil, n, nil
}

// ext advances the chunk extension states over c and reports whether c is
// allowed there. Extensions are checked, then ignored.
func (d *Chunked) ext(c byte) bool {
	ws := c == ' ' || c == '\t'
	tchar := class[c]&classToken != 0
	switch d.state {
	case stExtName, stExtVal:
		switch {
		case ws:
		case tchar && d.state == stExtName:
			d.state = stExtNameMore
		case tchar:
			d.state = stExtValMore
		case c == '"' && d.state == stExtVal:
			d.state = stExtQuoted
		default:
			return false
		}
	case stExtNameMore, stExtNameWS, stExtValMore, stExtValEnd, stExtValWS:
		after := d.state == stExtNameMore || d.state == stExtValMore || d.state == stExtValEnd
		switch {
		case tchar && (d.state == stExtNameMore || d.state == stExtValMore):
		case c == ';':
			d.state = stExtName
		case c == '=' && (d.state == stExtNameMore || d.state == stExtNameWS):
			d.state = stExtVal
		case ws && d.state <= stExtNameWS:
			d.state = stExtNameWS
		case ws:
			d.state = stExtValWS
		case c == '\r' && after:
			d.state = stSizeLF
		default:
			return false
		}
	case stExtQuoted:
		switch {
		case c == '"':
			d.state = stExtValEnd
		case c == '\\':
			d.state = stExtPair
		case c == '\t' || c >= ' ' && c != 0x7f:
		default:
			return false
		}
	case stExtPair:
		if c != '\t' && (c < ' ' || c == 0x7f) {
			return false
		}
		d.state = stExtQuoted
	}
	return true
}

// trailerBytes buffers the trailer section from in[n:] until its empty line.
func (d *Chunked) trailerBytes(in []byte, n int) ([]byte, int, error) {
	max := pick(d.MaxTrailerBytes, DefaultMaxTrailerBytes)
	for ; n < len(in); n++ {
		c := in[n]
		if len(d.trailer) >= max {
			return nil, n, errTrailerTooLarge
		}
		d.trailer = append(d.trailer, c)
		if c != '\n' {
			continue
		}
		t := d.trailer
		if len(t) < 2 || t[len(t)-2] != '\r' {
			return nil, n, errBareLF
		}
		if len(t) == 2 || len(t) >= 4 && t[len(t)-3] == '\n' {
			if err := d.parseTrailers(); err != nil {
				return nil, n, err
			}
			d.state = stDone
			return nil, n + 1, io.EOF
		}
	}
	return nil, n, nil
}

func (d *Chunked) parseTrailers() error {
	t := d.trailer
	for len(t) > 2 {
		i := 0
		for t[i] != '\r' {
			i++
		}
		if t[i+1] != '\n' {
			return errBareLF
		}
		f, err := parseFieldLine(t[:i])
		if err != nil {
			d.trailers = d.trailers[:0]
			return errTrailer
		}
		d.trailers = append(d.trailers, f)
		t = t[i+2:]
	}
	return nil
}

func unhex(c byte) int {
	switch {
	case '0' <= c && c <= '9':
		return int(c - '0')
	case 'a' <= c && c <= 'f':
		return int(c-'a') + 10
	case 'A' <= c && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}
