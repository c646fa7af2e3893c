package http1_test

import (
	"bytes"
	"io"
	"net/http"
	"testing"

	"github.com/shio-rt/shio/http1"
)

// A response after which the server closes with the client's body still
// arriving (never read, far past what the server drains) reaches the
// client: the server shuts its write side and discards the rest for a
// while instead of closing at once, which made the kernel answer the
// client's next segments with a reset and Go's client report "connection
// reset by peer" instead of the response (the fallback path, about one
// upload in five; on a tcp.Network's loops, which close at once as
// net.Conn.Close does, every upload until the connection asked the
// reactor to linger).
func TestUnreadUploadGetsItsResponseNotAReset(t *testing.T) {
	for _, path := range []string{"reactor", "tcp", "fallback"} {
		t.Run(path, func(t *testing.T) {
			if portable && path != "fallback" {
				t.Skip("the portable reactor's Close does not linger (Config.LingerTimeout; reactor's Conn.SetLingerTimeout is a no-op there): it closes at once, as net.Conn.Close does")
			}
			testUnreadUploadGetsItsResponse(t)
		})
	}
}

func testUnreadUploadGetsItsResponse(t *testing.T) {
	s := &http1.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusAccepted) // reads nothing of the 8 MiB
	})}
	addr := serve(t, s)
	tr := &http.Transport{DisableKeepAlives: true}
	defer tr.CloseIdleConnections()
	for i := range 20 {
		// A reader without a length: the client streams it, chunked.
		body := io.MultiReader(bytes.NewReader(bytes.Repeat([]byte("x"), 8<<20)))
		res, err := (&http.Client{Transport: tr}).Post("http://"+addr+"/", "application/octet-stream", body)
		if err != nil {
			t.Fatalf("upload %d: %v", i, err)
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusAccepted {
			t.Fatalf("upload %d: status %d", i, res.StatusCode)
		}
	}
}
