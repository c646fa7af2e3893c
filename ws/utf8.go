package ws

// utf8State validates UTF-8 incrementally, across the fragments of a text
// message and the reads that split them, and fails at the first byte that
// cannot begin or continue a valid sequence (RFC 3629: no overlong forms,
// no surrogates, nothing above U+10FFFF). The zero value is the state at
// the start of a message.
type utf8State struct {
	need   uint8 // continuation bytes still expected
	lo, hi byte  // the range of the next continuation byte
}

// feed validates p after what came before and reports whether the bytes
// so far can still be, or begin, valid UTF-8.
func (s *utf8State) feed(p []byte) bool {
	i := 0
	for i < len(p) {
		b := p[i]
		if s.need > 0 {
			if b < s.lo || b > s.hi {
				return false
			}
			s.need--
			s.lo, s.hi = 0x80, 0xBF
			i++
			continue
		}
		if b < 0x80 {
			// ASCII runs, eight bytes at a time.
			for i+8 <= len(p) && (uint64(p[i])|uint64(p[i+1])|uint64(p[i+2])|uint64(p[i+3])|
				uint64(p[i+4])|uint64(p[i+5])|uint64(p[i+6])|uint64(p[i+7]))&0x80 == 0 {
				i += 8
			}
			for i < len(p) && p[i] < 0x80 {
				i++
			}
			continue
		}
		s.lo, s.hi = 0x80, 0xBF
		switch {
		case b >= 0xC2 && b <= 0xDF:
			s.need = 1
		case b == 0xE0:
			s.need, s.lo = 2, 0xA0
		case b >= 0xE1 && b <= 0xEC, b == 0xEE, b == 0xEF:
			s.need = 2
		case b == 0xED:
			s.need, s.hi = 2, 0x9F
		case b == 0xF0:
			s.need, s.lo = 3, 0x90
		case b >= 0xF1 && b <= 0xF3:
			s.need = 3
		case b == 0xF4:
			s.need, s.hi = 3, 0x8F
		default:
			return false
		}
		i++
	}
	return true
}

// complete reports whether the bytes fed end on a character boundary.
func (s *utf8State) complete() bool { return s.need == 0 }

// validUTF8 reports whether p is valid UTF-8.
func validUTF8(p []byte) bool {
	var s utf8State
	return s.feed(p) && s.complete()
}
