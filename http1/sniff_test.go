package http1_test

import (
	"bytes"
	"net/http"
	"testing"

	"github.com/shio-rt/shio/http1"
	"pgregory.net/rapid"
)

// TestSniffMemoAgreesWithDetectContentType: over any sequence of bodies,
// repeated or not, sharing a 512-byte prefix or not, the memo answers what
// http.DetectContentType answers.
func TestSniffMemoAgreesWithDetectContentType(t *testing.T) {
	seeds := [][]byte{
		[]byte("Hello, World!"), []byte("<html><body>"), []byte("%PDF-1.4"), []byte("\x89PNG\r\n\x1a\n"),
		[]byte("{\"a\":1}"), []byte("GIF89a"), []byte("\xff\xd8\xff"), {}, []byte("  <?xml "),
		append(bytes.Repeat([]byte("a"), 512), 0), // binary only past the 512 bytes sniffed
	}
	rapid.Check(t, func(t *rapid.T) {
		detect := http1.NewSniffer()
		n := rapid.IntRange(1, 20).Draw(t, "bodies")
		for range n {
			var b []byte
			if rapid.Bool().Draw(t, "seed") {
				b = append([]byte(nil), rapid.SampledFrom(seeds).Draw(t, "which")...)
				if rapid.Bool().Draw(t, "extend") {
					b = append(b, rapid.SliceOfN(rapid.Byte(), 0, 600).Draw(t, "tail")...)
				}
			} else {
				b = rapid.SliceOfN(rapid.Byte(), 0, 700).Draw(t, "body")
			}
			if got, want := detect(b), http.DetectContentType(b); got != want {
				t.Fatalf("body %q: memo %q, DetectContentType %q", b, got, want)
			}
		}
	})
}
