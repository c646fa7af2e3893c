package http1parse

import "bytes"

// Default limits, used for zero fields of [Limits].
const (
	DefaultMaxRequestLine = 8 << 10
	DefaultMaxHeaderBytes = 16 << 10
	DefaultMaxFields      = 100
)

// Limits bounds a request head. A zero field takes its default.
type Limits struct {
	// MaxRequestLine is the longest request line, without its CRLF. Longer
	// lines are refused with 414. Zero means DefaultMaxRequestLine (8 KiB).
	MaxRequestLine int
	// MaxHeaderBytes bounds the header section after the request line,
	// CRLFs included. Larger sections are refused with 431. Zero means
	// DefaultMaxHeaderBytes (16 KiB).
	MaxHeaderBytes int
	// MaxFields bounds the number of header field lines. More are refused
	// with 431. Zero means DefaultMaxFields (100).
	MaxFields int
}

func (l Limits) line() int   { return pick(l.MaxRequestLine, DefaultMaxRequestLine) }
func (l Limits) header() int { return pick(l.MaxHeaderBytes, DefaultMaxHeaderBytes) }
func (l Limits) fields() int { return pick(l.MaxFields, DefaultMaxFields) }

func pick(v, def int) int {
	if v > 0 {
		return v
	}
	return def
}

// Field is one header or trailer field line. Name and Value alias the buffer
// the message was parsed from; Value has its surrounding whitespace removed.
type Field struct {
	Name, Value []byte
}

// Request is a parsed request head. Its slices alias the parsed buffer and
// are valid until that buffer is reused.
type Request struct {
	Method []byte
	Target []byte
	// Minor is the HTTP/1 minor version: 0 or 1 (HTTP/1.2 and above are
	// read as 1.1, as RFC 9110 section 6.2 allows).
	Minor  int
	Fields []Field
	// Host is the Host field's value, empty when absent.
	Host []byte
	// ContentLength is the declared body length, or -1 without one.
	ContentLength int64
	// Chunked reports whether the body is chunked.
	Chunked bool
	// KeepAlive reports whether the connection may carry another request
	// after this one (RFC 9112 section 9.3).
	KeepAlive bool
	// Expect100 reports an HTTP/1.1 "Expect: 100-continue".
	Expect100 bool
}

// Parser parses request heads incrementally. The zero value is ready to use
// with default [Limits]. A Parser is not safe for concurrent use; keep one per
// connection. Parsing allocates nothing once the field table has grown to the
// largest request seen. A Parser remembers the last field section it parsed
// (up to 1 KiB) and what it found there: the same section again, as a
// keep-alive client sends with its next request, costs one comparison
// instead of a scan of every byte (see fieldsMemo).
type Parser struct {
	Limits Limits

	// Scan state, kept across calls that return ErrIncomplete.
	pos       int // next byte to look at
	start     int // first byte of the request line (after leading CRLFs)
	lineStart int // first byte of the current line
	headStart int // first byte after the request line, or 0
	lines     int // complete field lines seen
	checked   int // complete lines before this byte are known good (see checkLines)

	fields []Field // storage reused for Request.Fields
	memo   fieldsMemo
}

// Storage is the memory a Parser reuses from one head to the next: the
// array behind Request.Fields and the last field section's memo. A server
// moves it from a Parser that will parse no more heads (its connection was
// hijacked) to one that will, instead of leaving it to the GC and
// allocating it again: see Stash and Unstash.
type Storage struct {
	fields []Field
	memo   fieldsMemo
}

// Stash moves p's storage into s (what s held goes) and leaves p as a
// new Parser with p's Limits. The Request p last filled must no longer be
// used: its Fields share the storage.
func (p *Parser) Stash(s *Storage) {
	*s = Storage{fields: p.fields[:0], memo: p.memo}
	*p = Parser{Limits: p.Limits}
}

// Unstash gives p the storage s holds, if p has none (a new or stashed
// Parser), and empties s.
func (p *Parser) Unstash(s *Storage) {
	if p.fields == nil && p.memo.block == nil && p.memo.spans == nil {
		p.fields, p.memo = s.fields, s.memo
	}
	*s = Storage{}
}

// Reset forgets a partial head. Call it when the buffer given to Parse is
// replaced by one that does not start with the same bytes.
func (p *Parser) Reset() {
	p.pos, p.start, p.lineStart, p.headStart, p.lines, p.checked = 0, 0, 0, 0, 0, 0
}

// Parse parses the request head at the start of buf into r and returns its
// length in bytes. While buf holds only part of a head Parse returns
// [ErrIncomplete]; call it again with the same bytes followed by more: the scan
// resumes where it stopped, so a head delivered one byte at a time costs
// linear time. A head that breaks RFC 9112 or the [Limits] yields an [*Error].
// Either way the Parser is ready for the next head once Parse returns
// something other than ErrIncomplete.
func (p *Parser) Parse(buf []byte, r *Request) (int, error) {
	maxLine, maxHead := p.Limits.line(), p.Limits.header()
	for {
		i := bytes.IndexByte(buf[p.pos:], '\n')
		end := len(buf) // how far the current line is known not to end
		if i >= 0 {
			end = p.pos + i
		}
		// The limits are checked on what precedes the line's end before
		// anything else, with the same window however the bytes were split
		// (a too-long line with a bad byte past the limit is refused as too
		// long whether or not the bad byte has arrived yet).
		if p.headStart == 0 && end-p.lineStart > maxLine+1 {
			return p.fail(tooLong(buf[p.lineStart : p.lineStart+maxLine+1]))
		}
		if p.headStart != 0 && end-p.headStart > maxHead {
			return p.failAfter(buf, errTooManyBytes)
		}
		if i < 0 {
			p.pos = len(buf)
			// A malformed line is refused as soon as it is complete, not
			// when the head is: the client gets its 400 at once.
			if err := p.checkLines(buf); err != nil {
				return p.fail(err)
			}
			return 0, ErrIncomplete
		}
		nl := end
		if nl == 0 || buf[nl-1] != '\r' {
			return p.failAfter(buf, errBareLF)
		}
		empty := nl-1 == p.lineStart
		p.pos = nl + 1
		if p.headStart == 0 {
			switch {
			case empty && p.pos > maxLine:
				return p.fail(errRequestLine)
			case empty: // RFC 9112 section 2.2: ignore empty lines before the request line
				p.start, p.lineStart = p.pos, p.pos
			default: // not longer than maxLine: checked above
				p.headStart, p.lineStart = p.pos, p.pos
				if n := p.memo.prefixOf(buf[p.pos:], maxHead, p.Limits.fields()); n > 0 {
					// The last head's field section, which the scan
					// below would find whole and within the limits.
					start, headStart := p.start, p.headStart
					p.Reset()
					if err := p.parseHead(buf[start:headStart], buf[headStart:headStart+n], r, true); err != nil {
						return 0, err
					}
					return headStart + n, nil
				}
			}
			continue
		}
		if p.pos-p.headStart > maxHead {
			return p.failAfter(buf, errTooManyBytes)
		}
		if !empty {
			p.lines++
			if p.lines > p.Limits.fields() {
				return p.failAfter(buf, errTooManyFields)
			}
			p.lineStart = p.pos
			continue
		}
		end, start, headStart := p.pos, p.start, p.headStart
		p.Reset()
		if err := p.parseHead(buf[start:headStart], buf[headStart:end], r, false); err != nil {
			return 0, err
		}
		return end, nil
	}
}

// tooLong picks the status for a request line (or its start) longer than
// the limit (RFC 9112 section 3): 501 when the method is what is too long (it
// is longer than any implemented), 414 when the rest is, and 400 when the
// line does not start with a method. It runs only on this error path.
func tooLong(line []byte) *Error {
	sp := bytes.IndexByte(line, ' ')
	if sp < 0 {
		sp = len(line)
	}
	switch {
	case !isToken(line[:sp]):
		return errMethod
	case sp > len(line)-sp:
		return errLongMethod
	}
	return errTooLongLine
}

func (p *Parser) fail(err *Error) (int, error) {
	p.Reset()
	return 0, err
}

// failAfter fails with err, found at the line that starts at p.lineStart,
// unless a complete line before it is malformed: lines are refused in
// order, so that the status does not depend on how the head was split
// (checkLines may have refused that line already, had the head arrived in
// pieces).
func (p *Parser) failAfter(buf []byte, err *Error) (int, error) {
	if early := p.checkLines(buf); early != nil {
		err = early
	}
	return p.fail(err)
}

// checkLines checks the complete lines before p.lineStart not checked
// yet: the request line and field lines, as parseHead will. It runs only
// when Parse is about to return without a complete head (ErrIncomplete or
// a limit), so a head that arrives whole is checked once, by parseHead.
func (p *Parser) checkLines(buf []byte) *Error {
	if p.headStart == 0 {
		return nil // the request line is not complete
	}
	if p.checked < p.headStart {
		var r Request
		if err := parseRequestLine(buf[p.start:p.headStart-2], &r); err != nil {
			return err.(*Error)
		}
		p.checked = p.headStart
	}
	for p.checked < p.lineStart {
		i := bytes.IndexByte(buf[p.checked:p.lineStart], '\n')
		line := buf[p.checked : p.checked+i-1] // without its CRLF
		if bytes.IndexByte(line, '\r') >= 0 {
			return errBareLF // as parseHead finds it
		}
		if _, err := parseFieldLine(line); err != nil {
			return err.(*Error)
		}
		p.checked += i + 1
	}
	return nil
}

// parseHead parses a complete head: the request line with its CRLF, and the
// field lines each with its CRLF followed by the final CRLF; known: fields
// are the memo's section.
func (p *Parser) parseHead(line, fields []byte, r *Request, known bool) error {
	if err := parseRequestLine(line[:len(line)-2], r); err != nil {
		return err
	}
	if known || len(p.memo.block) > 0 && string(fields) == string(p.memo.block) {
		err := p.memo.use(fields, p.fields[:0], r)
		p.fields = r.Fields
		return err
	}
	section := fields
	p.fields = p.fields[:0]
	for len(fields) > 2 {
		i := bytes.IndexByte(fields, '\r') // every CR is followed by LF or is a bad byte
		if fields[i+1] != '\n' {
			return errBareLF
		}
		f, err := parseFieldLine(fields[:i])
		if err != nil {
			return err
		}
		p.fields = append(p.fields, f)
		fields = fields[i+2:]
	}
	r.Fields = p.fields
	if err := r.interpret(); err != nil {
		return err
	}
	p.memo.remember(section, r)
	return nil
}

func parseRequestLine(line []byte, r *Request) error {
	sp := bytes.IndexByte(line, ' ')
	if sp < 0 {
		return errRequestLine
	}
	r.Method = line[:sp]
	if !isToken(r.Method) {
		return errMethod
	}
	line = line[sp+1:]
	sp = bytes.IndexByte(line, ' ')
	if sp <= 0 {
		return errTarget
	}
	r.Target = line[:sp]
	for _, c := range r.Target {
		if class[c]&classTarget == 0 || c == '#' {
			return errTarget
		}
	}
	if string(r.Method) == "CONNECT" && !validAuthority(r.Target) {
		return errTarget
	}
	v := line[sp+1:]
	if len(v) != 8 || string(v[:5]) != "HTTP/" || v[6] != '.' || !isDigit(v[5]) || !isDigit(v[7]) {
		return errVersion
	}
	if v[5] != '1' {
		return errHTTPVersion
	}
	r.Minor = 0
	if v[7] != '0' {
		r.Minor = 1
	}
	return nil
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// validAuthority reports whether a CONNECT target is authority-form: a host
// and a port, which is not optional (RFC 9112 section 3.2.3, RFC 9110
// section 9.3.6).
func validAuthority(t []byte) bool {
	i := bytes.LastIndexByte(t, ':')
	if i <= 0 || i == len(t)-1 || t[0] == ':' {
		return false
	}
	for _, c := range t {
		if class[c]&classHost == 0 {
			return false
		}
	}
	return validHostPort(t)
}

// parseFieldLine parses one field line without its CRLF (RFC 9112 section 5).
func parseFieldLine(line []byte) (Field, error) {
	if line[0] == ' ' || line[0] == '\t' {
		return Field{}, errObsFold
	}
	colon := bytes.IndexByte(line, ':')
	if colon <= 0 {
		return Field{}, errFieldName
	}
	name := line[:colon]
	if c := name[len(name)-1]; c == ' ' || c == '\t' {
		return Field{}, errSpaceBeforeColon
	}
	if !isToken(name) {
		return Field{}, errFieldName
	}
	value := trimOWS(line[colon+1:])
	for _, c := range value {
		if class[c]&classValue == 0 {
			return Field{}, errFieldValue
		}
	}
	return Field{Name: name, Value: value}, nil
}
