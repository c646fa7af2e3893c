package http1_test

import (
	"crypto/sha256"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"pgregory.net/rapid"

	"github.com/shio-rt/shio/http1"
)

// TestPipelinedRandomRequestsAnsweredInOrder is a property test: any
// sequence of requests (bodies framed by length or by random chunks, sent
// in random pieces, pipelined) is answered in order, each body intact.
func TestPipelinedRandomRequestsAnsweredInOrder(t *testing.T) {
	forEachPath(t, func(t *testing.T) {
		h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			b, err := io.ReadAll(r.Body)
			if err != nil {
				http.Error(w, err.Error(), 400)
				return
			}
			fmt.Fprintf(w, "%s %s %x", r.Method, r.URL.Path, sha256.Sum256(b))
		})
		addr := serve(t, &http1.Server{Handler: h})
		rapid.Check(t, func(rt *rapid.T) {
			n := rapid.IntRange(1, 8).Draw(rt, "requests")
			var raw strings.Builder
			want := make([]string, n)
			for i := range n {
				body := rapid.SliceOfN(rapid.Byte(), 0, 6000).Draw(rt, "body")
				path := fmt.Sprintf("/r%d", i)
				switch rapid.IntRange(0, 2).Draw(rt, "framing") {
				case 0:
					fmt.Fprintf(&raw, "GET %s HTTP/1.1\r\nHost: x\r\n\r\n", path)
					body = nil
				case 1:
					fmt.Fprintf(&raw, "POST %s HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n%s", path, len(body), body)
				case 2:
					fmt.Fprintf(&raw, "POST %s HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n", path)
					for rest := body; len(rest) > 0; {
						k := rapid.IntRange(1, len(rest)).Draw(rt, "chunk")
						fmt.Fprintf(&raw, "%x\r\n%s\r\n", k, rest[:k])
						rest = rest[k:]
					}
					raw.WriteString("0\r\n\r\n")
				}
				method := "POST"
				if body == nil {
					method = "GET"
				}
				want[i] = fmt.Sprintf("%s %s %x", method, path, sha256.Sum256(body))
			}
			c := dial(t, addr)
			defer c.conn.Close()
			s := raw.String()
			go func() { // send in random pieces while responses are read
				for len(s) > 0 {
					k := min(len(s), 1+len(s)/3)
					if _, err := io.WriteString(c.conn, s[:k]); err != nil {
						return
					}
					s = s[k:]
				}
			}()
			for i := range n {
				if _, body := c.response("POST"); body != want[i] {
					rt.Fatalf("response %d: %q, want %q", i, body, want[i])
				}
			}
		})
	})
}
