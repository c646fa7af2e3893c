package http1_test

import (
	"bytes"
	"io"
	"net/http"
	"testing"

	"github.com/shio-rt/shio/http1"
)

// TestKeepAliveRequestAllocations pins the server's allocations for one GET
// on a keep-alive connection: its header map and one block for the
// *http.Request, its context and URL (the target and fields repeat the
// last request's, whose strings the connection's memo gives again: see
// headMemo); 3 on the reactor paths when measured alone, one of them the
// test client's read, and 5 on the fallback path; the limits leave the
// runtime's own background allocations, which AllocsPerRun also counts,
// one or two on a loaded machine.
func TestKeepAliveRequestAllocations(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("measures allocations (meaningless under -race)")
	}
	limits := map[string]float64{"reactor": 5, "fallback": 6}
	forEachPath(t, func(t *testing.T) {
		h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header()["Content-Type"] = []string{"text/plain"}
			io.WriteString(w, "Hello, World!")
		})
		c := dial(t, serve(t, &http1.Server{Handler: h}))
		req := []byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
		buf := make([]byte, 4096)
		roundTrip := func() {
			if _, err := c.conn.Write(req); err != nil {
				t.Fatal(err)
			}
			for n := 0; !bytes.HasSuffix(buf[:n], []byte("Hello, World!")); {
				m, err := c.conn.Read(buf[n:])
				if err != nil {
					t.Fatal(err)
				}
				n += m
			}
		}
		roundTrip()
		allocs := testing.AllocsPerRun(200, roundTrip)
		limit := limits["reactor"]
		if onFallback(t) {
			limit = limits["fallback"]
		}
		t.Logf("%.1f allocations per request", allocs)
		if allocs > limit {
			t.Fatalf("%.1f allocations per request, want at most %.0f", allocs, limit)
		}
	})
}
