package http1parse

// Byte classes from RFC 9110 section 5.6.2 and RFC 9112 section 3.
const (
	classToken  = 1 << iota // tchar
	classTarget             // VCHAR: what a request-target may hold
	classValue              // field-vchar, SP, HTAB, obs-text
	classHost               // uri-host and port characters
)

var class = func() (t [256]uint8) {
	for c := 0x21; c <= 0x7e; c++ {
		t[c] |= classTarget | classValue
	}
	for c := 0x80; c <= 0xff; c++ {
		t[c] |= classValue
	}
	t[' '] |= classValue
	t['\t'] |= classValue
	for _, c := range []byte("!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ") {
		t[c] |= classToken
	}
	for _, c := range []byte("-._~%!$&'()*+,;=:[]0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ") {
		t[c] |= classHost
	}
	return t
}()

func isToken(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	for _, c := range b {
		if class[c]&classToken == 0 {
			return false
		}
	}
	return true
}

// equalFold reports whether b equals the lower-case ASCII string s, ignoring
// ASCII case in b.
func equalFold(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != s[i] {
			return false
		}
	}
	return true
}

// trimOWS removes optional whitespace (SP, HTAB) from both ends of b.
func trimOWS(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t') {
		b = b[1:]
	}
	for len(b) > 0 && (b[len(b)-1] == ' ' || b[len(b)-1] == '\t') {
		b = b[:len(b)-1]
	}
	return b
}

// nextElement splits the next element off a comma-separated list (RFC 9110
// section 5.6.1), skipping empty elements. It returns the trimmed element,
// the rest, and whether an element was found.
func nextElement(list []byte) (elem, rest []byte, ok bool) {
	for len(list) > 0 {
		i := 0
		for i < len(list) && list[i] != ',' {
			i++
		}
		elem = trimOWS(list[:i])
		if i < len(list) {
			list = list[i+1:]
		} else {
			list = nil
		}
		if len(elem) > 0 {
			return elem, list, true
		}
	}
	return nil, nil, false
}
