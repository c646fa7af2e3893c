package http1

import (
	"net/http"
	"net/url"
	"strings"
	"sync"

	"github.com/shio-rt/shio/http1/internal/http1parse"
)

// headMemo remembers the strings of the last request head a conn turned
// into an *http.Request: its target (and the URL parsed from it) and, by
// position, its first memoFields field names (as received and canonical)
// and values. A client
// sends the same Host, User-Agent, Accept, Accept-Encoding … in the same
// order on every request, so the next head reuses those strings where the
// same bytes arrive at the same place, instead of copying them and
// canonicalizing the names again. A pooled conn carries its memo to the
// connection it serves next (most clients of one server send the same
// fields), and a memo never outlives its conn.
//
// Reuse is exact (byte for byte) and strings are immutable, so a Handler
// that keeps a request's strings keeps values nobody changes; the header
// map and value slices stay the request's own. The cost: comparing the
// bytes once more, where the copy and the canonicalization read them once
// or twice anyway.
type headMemo struct {
	target string
	// url is target parsed, when it is origin-form (originForm), which a
	// request with the same target copies.
	url        url.URL
	originForm bool
	n          int // fields[:n] hold the last head's first fields
	fields     [memoFields]memoField

	// parse holds the conn's parser storage while the memo waits in
	// memoPool (see conn.releaseHead); empty otherwise.
	parse http1parse.Storage
}

// memoPool holds the memos (with their parser storage) of hijacked
// connections, whose conns parse no more heads, for the next conns: an
// upgrade leaves them to the next connection rather than to the GC (about
// 1.7 KiB per WebSocket: the memo, the fields' array, the parser's memo).
var memoPool = sync.Pool{New: func() any { return new(headMemo) }}

type memoField struct {
	raw   string // the name as received
	name  string // canonical
	value string
}

const (
	// memoFields bounds the fields remembered (a browser sends about ten).
	memoFields = 12
	// memoMaxBytes bounds the head bytes a memo may keep alive: the
	// strings of a larger head share one allocation with all of it.
	memoMaxBytes = 2 << 10
)

// headStrings gives newRequest the strings of one head: the memo's where
// the same bytes repeat at the same place, slices of one fresh string (every
// other piece, in order) elsewhere.
type headStrings struct {
	m     *headMemo
	reuse uint32 // bit 2i: field i's name repeats; bit 2i+1: its value
	fresh string
	off   int
}

// strings compares h's target and fields with the memo and copies what
// differs into one string.
func (m *headMemo) strings(target []byte, fields []http1parse.Field) (hs headStrings, sameTarget bool) {
	hs.m = m
	size := 0
	sameTarget = m.target != "" && string(target) == m.target
	if !sameTarget {
		size += len(target)
	}
	for i, f := range fields {
		if i >= m.n {
			size += len(f.Name) + len(f.Value)
			continue
		}
		mf := &m.fields[i]
		if string(f.Name) == mf.raw {
			hs.reuse |= 1 << (2 * i)
		} else {
			size += len(f.Name)
		}
		if string(f.Value) == mf.value {
			hs.reuse |= 2 << (2 * i)
		} else {
			size += len(f.Value)
		}
	}
	if size == 0 {
		return hs, sameTarget
	}
	var sb strings.Builder
	sb.Grow(size)
	if !sameTarget {
		sb.Write(target)
	}
	for i, f := range fields {
		if hs.reuse&(1<<(2*i)) == 0 {
			sb.Write(f.Name)
		}
		if hs.reuse&(2<<(2*i)) == 0 {
			sb.Write(f.Value)
		}
	}
	hs.fresh = sb.String()
	return hs, sameTarget
}

// next returns the next n fresh bytes.
func (hs *headStrings) next(n int) string {
	v := hs.fresh[hs.off : hs.off+n]
	hs.off += n
	return v
}

// field returns field i's name as received and canonical, and its value.
func (hs *headStrings) field(i int, f http1parse.Field) (raw, name, value string) {
	if hs.reuse&(1<<(2*i)) != 0 {
		raw, name = hs.m.fields[i].raw, hs.m.fields[i].name
	} else {
		raw = hs.next(len(f.Name))
		name = http.CanonicalHeaderKey(raw)
	}
	if hs.reuse&(2<<(2*i)) != 0 {
		value = hs.m.fields[i].value
	} else {
		value = hs.next(len(f.Value))
	}
	return raw, name, value
}

// remember makes field i the memo's, unless it came from there or the
// head's fresh bytes are too many to keep alive.
func (hs *headStrings) remember(i int, raw, name, value string) {
	if i >= memoFields || hs.reuse>>(2*i)&3 == 3 || len(hs.fresh) > memoMaxBytes {
		return
	}
	hs.m.fields[i] = memoField{raw, name, value}
}

// done records target (the memo's already if same) with its URL, origin
// when it is origin-form, and how many fields the memo now holds.
func (hs *headStrings) done(target string, same bool, origin *url.URL, fields int) {
	m := hs.m
	if len(hs.fresh) > memoMaxBytes {
		return
	}
	if !same {
		m.target = target
		m.originForm = origin != nil
		m.url = url.URL{}
		if origin != nil {
			m.url = *origin
		}
	}
	n := min(fields, memoFields)
	if n < m.n {
		clear(m.fields[n:m.n]) // keep no older head alive
	}
	m.n = n
}
