package http1_test

import (
	"net/http"
	"reflect"
	"strconv"
	"sync"
	"testing"

	"github.com/shio-rt/shio/http1"
)

// The response header map is the server's, reused for later requests (a
// documented difference from net/http, which allocates one per response:
// here that would cost allocations on every request). A Handler that keeps
// the map past its return therefore sees it cleared and filled again by a
// later response, which must be the case the package doc describes; this
// test pins it, so that a change to the reuse updates the doc.
func TestHeaderMapKeptPastTheHandlerIsReused(t *testing.T) {
	forEachPath(t, func(t *testing.T) {
		var mu sync.Mutex
		var kept http.Header
		h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			defer mu.Unlock()
			if kept == nil {
				kept = w.Header()
				kept.Set("X-First", "1")
				return
			}
			// A later request: is its map the one the first Handler kept?
			same := reflect.ValueOf(kept).UnsafePointer() == reflect.ValueOf(w.Header()).UnsafePointer()
			w.Header().Set("X-Reused", strconv.FormatBool(same && kept.Get("X-First") == ""))
		})
		c := dial(t, serve(t, &http1.Server{Handler: h}))
		c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
		if res, _ := c.response("GET"); res.Header.Get("X-First") != "1" {
			t.Fatalf("first response: %v", res.Header)
		}
		// On the fallback path the connection keeps its state, so the very
		// next request reuses the map. On the reactor a connection between
		// requests gives its state back to a pool, from which a later
		// request (of any connection) takes it, usually the next one on
		// the same P: there the reuse is looked for over 100 requests,
		// and not required (sync.Pool keeps an item per P, and -race drops
		// some), but a field of the first response must never come back.
		tries := 100
		if onFallback(t) {
			tries = 1
		}
		for i := range tries {
			c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
			res, _ := c.response("GET")
			if res.Header.Get("X-First") != "" {
				t.Fatalf("request %d: the first request's field was sent again", i)
			}
			if res.Header.Get("X-Reused") == "true" {
				return
			}
		}
		if onFallback(t) {
			t.Fatal("the next request's Handler did not get the map the first one kept (cleared): the package doc says it is reused")
		}
		t.Log("no request took the pooled state of the first (another P's pool)")
	})
}
