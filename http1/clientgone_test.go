package http1_test

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/shio-rt/shio/http1"
)

// TestRequestContextEndsWhenClientLeaves: a client that leaves while its
// Handler runs (FIN or reset, with the request's body read or, on the
// reactor, not) ends the request's context, as net/http's background read
// does, and http.CloseNotifier reports it.
func TestRequestContextEndsWhenClientLeaves(t *testing.T) {
	cases := []struct {
		name     string
		body     string // the request's body ("" for none)
		read     bool   // the Handler reads the body before waiting
		reset    bool   // the client resets instead of sending FIN
		fallback bool   // the fallback path notices it too
	}{
		{name: "FIN, no body", fallback: true},
		{name: "reset, no body", reset: true, fallback: true},
		{name: "FIN, body read", body: "hello", read: true, fallback: true},
		{name: "reset, body read", body: "hello", read: true, reset: true, fallback: true},
		// Unread, the body hides the FIN from a goroutine-per-connection
		// server (net/http's too): only the reactor, which reads every
		// connection, notices.
		{name: "FIN, body unread", body: "hello"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			forEachPath(t, func(t *testing.T) {
				if onFallback(t) && !tc.fallback {
					t.Skip("the fallback path notices the client leaving once the body is read")
				}
				started := make(chan struct{})
				result := make(chan string, 1)
				s := &http1.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					notify := w.(http.CloseNotifier).CloseNotify()
					if tc.read {
						if b, err := io.ReadAll(r.Body); err != nil || string(b) != tc.body {
							result <- fmt.Sprintf("body %q, %v", b, err)
							return
						}
					}
					close(started)
					select {
					case <-r.Context().Done():
					case <-time.After(10 * time.Second):
						result <- "the request's context did not end"
						return
					}
					select {
					case gone := <-notify:
						if !gone {
							result <- "CloseNotify sent false"
							return
						}
					case <-time.After(10 * time.Second):
						result <- "CloseNotify sent nothing"
						return
					}
					result <- ""
				})}
				c := dial(t, serve(t, s))
				req := "GET / HTTP/1.1\r\nHost: x\r\n\r\n"
				if tc.body != "" {
					req = fmt.Sprintf("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n%s", len(tc.body), tc.body)
				}
				c.send(req)
				<-started
				if tc.reset {
					c.conn.(*net.TCPConn).SetLinger(0)
					c.conn.Close()
				} else {
					c.conn.(*net.TCPConn).CloseWrite()
				}
				if msg := <-result; msg != "" {
					t.Fatal(msg)
				}
			})
		})
	}
}

// TestCloseNotifySendsNothingWhenTheHandlerReturns: the Handler's normal
// end is not the client leaving.
func TestCloseNotifySendsNothingWhenTheHandlerReturns(t *testing.T) {
	forEachPath(t, func(t *testing.T) {
		notified := make(chan (<-chan bool), 1)
		s := &http1.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			notified <- w.(http.CloseNotifier).CloseNotify()
			io.WriteString(w, "ok")
		})}
		c := dial(t, serve(t, s))
		c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
		if res, body := c.response("GET"); res.StatusCode != 200 || body != "ok" {
			t.Fatalf("%d %q", res.StatusCode, body)
		}
		ch := <-notified
		c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n") // the connection is alive: a second request
		if res, _ := c.response("GET"); res.StatusCode != 200 {
			t.Fatal(res.Status)
		}
		<-notified
		select {
		case v := <-ch:
			t.Fatalf("CloseNotify sent %v after the Handler returned normally", v)
		default:
		}
	})
}
