package ws

import (
	"bytes"
	"testing"

	"pgregory.net/rapid"
)

// maskRef is RFC 6455 section 5.3 byte by byte.
func maskRef(p []byte, key [4]byte, pos int) int {
	for i := range p {
		p[i] ^= key[(pos+i)&3]
	}
	return (pos + len(p)) & 3
}

// TestMaskMatchesTheRFC: mask, which works a word or four at a time, XORs
// every byte as the RFC's byte-by-byte rule does, for any length, key
// offset and alignment of the slice, and returns the offset after it.
func TestMaskMatchesTheRFC(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		buf := rapid.SliceOfN(rapid.Byte(), 0, 300).Draw(rt, "buf")
		off := rapid.IntRange(0, len(buf)).Draw(rt, "off") // the slice's start: any alignment
		k := rapid.SliceOfN(rapid.Byte(), 4, 4).Draw(rt, "key")
		key := [4]byte{k[0], k[1], k[2], k[3]}
		pos := rapid.IntRange(0, 7).Draw(rt, "pos")
		got, want := bytes.Clone(buf), bytes.Clone(buf)
		gp := mask(got[off:], key, pos)
		wp := maskRef(want[off:], key, pos)
		if !bytes.Equal(got, want) || gp != wp {
			rt.Fatalf("mask(len %d, pos %d) = %x, %d; want %x, %d", len(buf)-off, pos, got, gp, want, wp)
		}
	})
}

func BenchmarkMask(b *testing.B) {
	for _, n := range []int{64, 4096} {
		p := make([]byte, n)
		b.Run(itoaTest(n), func(b *testing.B) {
			b.SetBytes(int64(n))
			for b.Loop() {
				mask(p, [4]byte{1, 2, 3, 4}, 1)
			}
		})
	}
}

func itoaTest(n int) string {
	if n >= 1024 {
		return string(rune('0'+n/1024)) + "KiB"
	}
	return string(rune('0'+n/10)) + string(rune('0'+n%10)) + "B"
}
