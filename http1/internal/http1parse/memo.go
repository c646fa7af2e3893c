package http1parse

// fieldsMemo remembers the last field section a Parser parsed and what it
// found in it, so that the same bytes again cost one comparison instead of
// a scan of every byte: a client sends the same fields, in the same order,
// on every request of a keep-alive connection (and the clients of one
// server mostly the same fields), while the request line changes. The
// result is exact: the parse of a field section depends on its bytes and,
// for the framing and connection semantics, on the request's minor
// version, which the memo keeps beside them.
type fieldsMemo struct {
	block []byte // a copy of the section, CRLFs included; empty: none
	spans []span // each field's name and value in block
	minor int    // the version the results below were derived for

	host          span // Request.Host; nil when hostOK is false
	hostOK        bool
	contentLength int64
	chunked       bool
	keepAlive     bool
	expect100     bool
}

// span is a field's name and value as offsets in a memo's block.
type span struct{ name, nameEnd, value, valueEnd uint16 }

// maxMemoBytes bounds the section a memo copies: more is parsed every
// time.
const maxMemoBytes = 1 << 10

// prefixOf returns the length of the memo's section if b starts with it
// and it is within the limits (maxHead bytes, maxFields lines) that Parse
// checks as it scans, or 0.
func (m *fieldsMemo) prefixOf(b []byte, maxHead, maxFields int) int {
	n := len(m.block)
	if n == 0 || n > len(b) || n-1 > maxHead || len(m.spans) > maxFields || string(b[:n]) != string(m.block) {
		return 0
	}
	return n
}

// use builds r's fields from section, which equals m.block, and the
// framing and connection semantics from the memo when r has the minor
// version they were derived for.
func (m *fieldsMemo) use(section []byte, fields []Field, r *Request) error {
	for _, s := range m.spans {
		fields = append(fields, Field{Name: section[s.name:s.nameEnd], Value: section[s.value:s.valueEnd]})
	}
	r.Fields = fields
	if r.Minor != m.minor {
		return r.interpret()
	}
	r.Host = nil
	if m.hostOK {
		r.Host = section[m.host.value:m.host.valueEnd]
	}
	r.ContentLength, r.Chunked, r.KeepAlive, r.Expect100 = m.contentLength, m.chunked, m.keepAlive, m.expect100
	return nil
}

// remember keeps section, whose fields and semantics r holds, for the
// next head.
func (m *fieldsMemo) remember(section []byte, r *Request) {
	if len(section) > maxMemoBytes {
		m.block = m.block[:0]
		return
	}
	m.block = append(m.block[:0], section...)
	m.spans = m.spans[:0]
	at := func(b []byte) uint16 { // b's offset in section
		if len(b) == 0 {
			return 0
		}
		return uint16(cap(section) - cap(b))
	}
	for _, f := range r.Fields {
		n, v := at(f.Name), at(f.Value)
		if len(f.Value) == 0 {
			v = n // any offset serves an empty value
		}
		m.spans = append(m.spans, span{n, n + uint16(len(f.Name)), v, v + uint16(len(f.Value))})
	}
	m.minor = r.Minor
	m.hostOK = r.Host != nil
	if m.hostOK {
		h := at(r.Host)
		m.host = span{value: h, valueEnd: h + uint16(len(r.Host))}
	}
	m.contentLength, m.chunked, m.keepAlive, m.expect100 = r.ContentLength, r.Chunked, r.KeepAlive, r.Expect100
}
