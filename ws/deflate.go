package ws

import (
	"bytes"
	"compress/flate"
	"io"
	"strconv"
	"strings"
	"sync"
)

// deflate is a connection's permessage-deflate state (RFC 7692), present
// only when the handshake agreed on the extension.
//
// This side never takes its compression context over from one message to
// the next (each message is compressed by a pooled compressor reset for
// it), which any peer accepts. The peer may: unless it agreed to no
// context takeover, the last 32 KiB it sent are kept as the dictionary of
// the next message's decompression, the one per-connection cost of
// compression while idle.
type deflate struct {
	// huffman: the peer limited this side's window below 15 bits, which
	// compress/flate cannot do; Huffman-only output references no earlier
	// bytes, so it fits any window.
	huffman bool
	// peerTakeover: the peer may reference earlier messages; dict keeps
	// the last 32 KiB of what it sent.
	peerTakeover bool
	dict         []byte
	threshold    int
}

// tail ends every compressed message (RFC 7692 section 7.2.1): the empty
// stored block that a sync flush writes, removed by the sender.
var tail = []byte{0x00, 0x00, 0xff, 0xff}

var (
	writerPools [2]sync.Pool // BestSpeed, HuffmanOnly
	readerPool  sync.Pool
)

// compress returns p compressed for one message, appended to dst, or
// ok false when compression does not pay.
func (d *deflate) compress(dst, p []byte) (out []byte, ok bool) {
	i, level := 0, flate.BestSpeed
	if d.huffman {
		i, level = 1, flate.HuffmanOnly
	}
	buf := bytes.NewBuffer(dst)
	w, _ := writerPools[i].Get().(*flate.Writer)
	if w == nil {
		w, _ = flate.NewWriter(buf, level)
	} else {
		w.Reset(buf)
	}
	w.Write(p)
	w.Flush()
	writerPools[i].Put(w)
	out = buf.Bytes()
	if !bytes.HasSuffix(out, tail) {
		return dst, false
	}
	out = out[:len(out)-len(tail)]
	if len(out)-len(dst) >= len(p) {
		return dst, false
	}
	return out, true
}

// decompress inflates a message's compressed bytes, at most max bytes of
// output (tooBig past it: a decompression bomb fails with 1009), and
// keeps the dictionary the peer may use next.
func (d *deflate) decompress(p []byte, max int64) (out []byte, tooBig bool, err error) {
	src := io.MultiReader(bytes.NewReader(p), bytes.NewReader(tail))
	r, _ := readerPool.Get().(io.ReadCloser)
	if r == nil {
		r = flate.NewReaderDict(src, d.dict)
	} else {
		r.(flate.Resetter).Reset(src, d.dict)
	}
	var buf bytes.Buffer
	n, err := buf.ReadFrom(io.LimitReader(r, max+1))
	readerPool.Put(r)
	if err != nil && err != io.ErrUnexpectedEOF {
		return nil, false, err
	}
	if n > max {
		return nil, true, nil
	}
	out = buf.Bytes()
	if d.peerTakeover {
		keep := append(d.dict, out...)
		if len(keep) > 32<<10 {
			keep = keep[len(keep)-32<<10:]
		}
		d.dict = append(d.dict[:0:0], keep...)
	}
	return out, false, nil
}

// extension is one offer or answer of Sec-WebSocket-Extensions: a name
// and its parameters.
type extension struct {
	name   string
	params map[string]string // a parameter without a value maps to ""
}

// parseExtensions parses the header's values; a malformed element is
// returned with an empty name.
func parseExtensions(values []string) []extension {
	var out []extension
	for _, v := range values {
		for el := range strings.SplitSeq(v, ",") {
			parts := strings.Split(el, ";")
			e := extension{name: strings.ToLower(strings.TrimSpace(parts[0])), params: map[string]string{}}
			for _, p := range parts[1:] {
				k, val, _ := strings.Cut(p, "=")
				k = strings.ToLower(strings.TrimSpace(k))
				val = strings.Trim(strings.TrimSpace(val), `"`)
				if _, dup := e.params[k]; dup || k == "" {
					e.name = ""
				}
				e.params[k] = val
			}
			if e.name != "" || len(parts) > 1 {
				out = append(out, e)
			}
		}
	}
	return out
}

// windowBits reports whether v is a valid max_window_bits value (8-15).
func windowBits(v string) (int, bool) {
	n, err := strconv.Atoi(v)
	return n, err == nil && n >= 8 && n <= 15 && v[0] != '+'
}

// acceptDeflate picks the first permessage-deflate offer a server can
// honour (every valid one) and returns its answer and the connection's
// state, or "" and nil when there is none.
func acceptDeflate(offers []extension, threshold int) (string, *deflate) {
	for _, o := range offers {
		if o.name != "permessage-deflate" {
			continue
		}
		d := &deflate{peerTakeover: true, threshold: threshold}
		answer := "permessage-deflate; server_no_context_takeover"
		ok := true
		for k, v := range o.params {
			switch k {
			case "server_no_context_takeover", "client_no_context_takeover":
				if v != "" {
					ok = false
				}
				if k == "client_no_context_takeover" {
					d.peerTakeover = false
					answer += "; client_no_context_takeover"
				}
			case "server_max_window_bits":
				n, valid := windowBits(v)
				if !valid {
					ok = false
				}
				if n < 15 {
					d.huffman = true
				}
				answer += "; server_max_window_bits=" + v
			case "client_max_window_bits":
				if v != "" {
					if _, valid := windowBits(v); !valid {
						ok = false
					}
				}
			default:
				ok = false
			}
		}
		if ok {
			return answer, d
		}
	}
	return "", nil
}

// clientOffer is what Dial offers: no context takeover either way, so
// that neither side keeps a dictionary.
const clientOffer = "permessage-deflate; server_no_context_takeover; client_no_context_takeover"

// clientAccept checks the server's answer to clientOffer and returns the
// connection's state; ok is false for an answer that was not offered.
func clientAccept(answers []extension, threshold int) (*deflate, bool) {
	if len(answers) == 0 {
		return nil, true
	}
	if len(answers) != 1 || answers[0].name != "permessage-deflate" {
		return nil, false
	}
	d := &deflate{peerTakeover: true, threshold: threshold}
	for k, v := range answers[0].params {
		switch k {
		case "server_no_context_takeover":
			d.peerTakeover = false
		case "client_no_context_takeover":
		case "server_max_window_bits":
			if _, ok := windowBits(v); !ok {
				return nil, false
			}
		default: // client_max_window_bits was not offered either
			return nil, false
		}
	}
	return d, true
}
