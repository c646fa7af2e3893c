package console_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/shio-rt/shio/console"
)

// firstEvent is a ResponseWriter that ends the request once the first event
// is written.
type firstEvent struct {
	*httptest.ResponseRecorder
	cancel context.CancelFunc
	n      int
}

func (f *firstEvent) Write(p []byte) (int, error) {
	f.n += len(p)
	f.cancel()
	return len(p), nil
}

// BenchmarkFirstEvent is the server side of the page's first update with
// 10,000 live tasks: the snapshot, its compact form, the JSON, the write.
func BenchmarkFirstEvent(b *testing.B) {
	parked(b, "bench-task", 10_000)
	c := console.New(console.Config{})
	b.ReportAllocs()
	var n int
	for b.Loop() {
		ctx, cancel := context.WithCancel(context.Background())
		w := &firstEvent{ResponseRecorder: httptest.NewRecorder(), cancel: cancel}
		r, _ := http.NewRequestWithContext(ctx, "GET", "/events", nil)
		c.ServeHTTP(w, r)
		n = w.n
	}
	b.ReportMetric(float64(n), "bytes/event")
}
