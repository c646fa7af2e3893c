package http1_test

import (
	"fmt"
	"io"
	"maps"
	"net/http"
	"slices"
	"strings"
	"testing"

	"pgregory.net/rapid"

	"github.com/shio-rt/shio/http1"
)

// TestNothingOfOneClientsRequestReachesAnother is a property test of the
// memos a conn keeps across requests (the parser's last field section,
// the last head's strings and URL): on the reactor a connection's conn
// goes back to the pool whenever it is idle and serves whichever
// connection has a request next, so requests of several clients,
// interleaved, with overlapping field names and values (Cookie and
// Authorization unique to each client), heads sent whole or split, and
// Handlers that change their request's URL and header in place, must
// each reach the Handler exactly as sent.
func TestNothingOfOneClientsRequestReachesAnother(t *testing.T) {
	forEachPath(t, func(t *testing.T) {
		h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, dumpRequest(r.Method, r.RequestURI, r.URL.String(), r.Host, r.Header))
			// Whatever a Handler does to its request stays its own.
			r.URL.Path += "/changed"
			r.URL.RawQuery = "changed"
			r.Header.Set("Accept", "changed")
			r.Header.Add("X-A", "changed")
			if v := r.Header["Cookie"]; len(v) > 0 {
				v[0] = "changed"
			}
		})
		addr := serve(t, &http1.Server{Handler: h})
		targets := []string{"/", "/a", "/a?x=1", "/b/c", "/a%20b", "/x?"}
		names := []string{"Accept", "accept", "User-Agent", "X-A", "x-a", "Cookie", "Authorization", "Accept-Encoding"}
		values := []string{"", "a", "*/*", "gzip, br", "localhost:8080", strings.Repeat("v", 300)}
		rapid.Check(t, func(rt *rapid.T) {
			clients := make([]*client, rapid.IntRange(2, 3).Draw(rt, "clients"))
			for i := range clients {
				clients[i] = dial(t, addr)
				defer clients[i].conn.Close()
			}
			for range rapid.IntRange(1, 16).Draw(rt, "requests") {
				i := rapid.IntRange(0, len(clients)-1).Draw(rt, "client")
				target := rapid.SampledFrom(targets).Draw(rt, "target")
				host := rapid.SampledFrom([]string{"a", "b", "localhost:8080"}).Draw(rt, "host")
				var raw strings.Builder
				fmt.Fprintf(&raw, "GET %s HTTP/1.1\r\nHost: %s\r\n", target, host)
				header := http.Header{}
				for range rapid.IntRange(0, 14).Draw(rt, "fields") {
					name := rapid.SampledFrom(names).Draw(rt, "name")
					value := rapid.SampledFrom(values).Draw(rt, "value")
					switch http.CanonicalHeaderKey(name) {
					case "Cookie", "Authorization": // this client's secret
						value = fmt.Sprintf("secret-of-%d-%s", i, value)
					}
					fmt.Fprintf(&raw, "%s: %s\r\n", name, value)
					header.Add(name, value)
				}
				raw.WriteString("\r\n")
				want := dumpRequest("GET", target, target, host, header)
				c, s := clients[i], raw.String()
				if split := rapid.IntRange(0, len(s)-1).Draw(rt, "split"); split > 0 {
					c.send(s[:split])
					s = s[split:]
				}
				c.send(s)
				res, body := c.response("GET")
				if res.StatusCode != 200 || body != want {
					rt.Fatalf("client %d sent %q\ngot %d %q\nwant %q", i, raw.String(), res.StatusCode, body, want)
				}
			}
		})
	})
}

// dumpRequest writes what a Handler sees of a request, header fields
// sorted by name.
func dumpRequest(method, uri, u, host string, h http.Header) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s %s host=%s\n", method, uri, u, host)
	for _, k := range slices.Sorted(maps.Keys(h)) {
		fmt.Fprintf(&b, "%s: %q\n", k, h[k])
	}
	return b.String()
}
