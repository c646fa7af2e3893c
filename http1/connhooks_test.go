package http1_test

import (
	"bytes"
	"context"
	"log"
	"net"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/shio-rt/shio/http1"
)

type connKey struct{}

// TestConnStateAndConnContextAsNetHTTP: ConnContext's context reaches
// the connection's requests, and ConnState sees New, Active, Idle, ...,
// Closed for each connection, always with the same net.Conn.
func TestConnStateAndConnContextAsNetHTTP(t *testing.T) {
	forEachPath(t, func(t *testing.T) {
		var mu sync.Mutex
		states := map[net.Conn][]http.ConnState{}
		closed := make(chan struct{}, 1)
		var connOfCtx net.Conn
		s := &http1.Server{
			Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				v, _ := r.Context().Value(connKey{}).(net.Conn)
				mu.Lock()
				ok := v != nil && v == connOfCtx
				mu.Unlock()
				if !ok {
					http.Error(w, "ConnContext's value missing", 500)
					return
				}
				hello(w, r)
			}),
			ConnContext: func(ctx context.Context, c net.Conn) context.Context {
				mu.Lock()
				connOfCtx = c
				mu.Unlock()
				return context.WithValue(ctx, connKey{}, c)
			},
			ConnState: func(c net.Conn, st http.ConnState) {
				mu.Lock()
				states[c] = append(states[c], st)
				mu.Unlock()
				if st == http.StateClosed {
					closed <- struct{}{}
				}
			},
		}
		c := dial(t, serve(t, s))
		for range 2 {
			c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
			if res, body := c.response("GET"); res.StatusCode != 200 {
				t.Fatalf("%d %s", res.StatusCode, body)
			}
		}
		c.conn.Close()
		select {
		case <-closed:
		case <-time.After(10 * time.Second):
			t.Fatal("no StateClosed")
		}
		mu.Lock()
		defer mu.Unlock()
		if len(states) != 1 {
			t.Fatalf("ConnState saw %d distinct net.Conns for one connection", len(states))
		}
		want := []http.ConnState{http.StateNew, http.StateActive, http.StateIdle, http.StateActive, http.StateIdle, http.StateClosed}
		for _, got := range states {
			if !slices.Equal(got, want) {
				t.Fatalf("states %v, want %v", got, want)
			}
		}
	})
}

// TestErrorLogGetsPanicsOnlyWhenSet: with ErrorLog set (and no OnPanic)
// a Handler panic is logged there; without it nothing is logged anywhere.
func TestErrorLogGetsPanicsOnlyWhenSet(t *testing.T) {
	forEachPath(t, func(t *testing.T) {
		var buf bytes.Buffer
		var mu sync.Mutex
		logged := make(chan struct{}, 1)
		s := &http1.Server{
			Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { panic("boom") }),
			ErrorLog: log.New(writerFunc(func(p []byte) (int, error) {
				mu.Lock()
				buf.Write(p)
				mu.Unlock()
				logged <- struct{}{}
				return len(p), nil
			}), "", 0),
		}
		c := dial(t, serve(t, s))
		c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
		if res, _ := c.response("GET"); res.StatusCode != 500 {
			t.Fatal(res.Status)
		}
		<-logged
		mu.Lock()
		defer mu.Unlock()
		if !bytes.Contains(buf.Bytes(), []byte("panic serving")) || !bytes.Contains(buf.Bytes(), []byte("boom")) {
			t.Fatalf("ErrorLog got %q", buf.String())
		}
	})
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }
