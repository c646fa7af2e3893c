package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/shio-rt/shio/ws"
)

// listen starts impl on a loopback port for the rest of the test binary's
// life (the servers have no common way to stop) and returns its address.
func listen(t *testing.T, impl string, reg *registry) string {
	t.Helper()
	if impl == "nbio" {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := ln.Addr().String()
		ln.Close()
		e, err := startNbio(addr, false)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(e.Stop)
		return addr
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	serve := map[string]func() error{
		"shio":    func() error { return serveShio(ln, false, reg) },
		"gorilla": func() error { return serveGorilla(ln, false, reg) },
		"coder":   func() error { return serveCoder(ln, false) },
		"gobwas":  func() error { return serveGobwas(ln) },
		"gws":     func() error { return serveGws(ln, false) },
	}[impl]
	go serve()
	return ln.Addr().String()
}

// TestEveryServerEchoes: each -impl echoes text and binary messages, small
// and large, with their types, to shio's client.
func TestEveryServerEchoes(t *testing.T) {
	for _, impl := range []string{"shio", "gorilla", "coder", "gobwas", "gws", "nbio"} {
		t.Run(impl, func(t *testing.T) {
			addr := listen(t, impl, &registry{})
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			c, _, err := ws.Dial(ctx, "ws://"+addr+"/", nil)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close(ws.StatusNormal, "")
			for i, size := range []int{1, 125, 126, 4096, 70000} {
				typ := ws.BinaryMessage
				if i%2 == 1 {
					typ = ws.TextMessage
				}
				msg := bytes.Repeat([]byte{'a' + byte(i)}, size)
				if err := c.WriteMessage(ctx, typ, msg); err != nil {
					t.Fatal(err)
				}
				gt, got, err := c.ReadMessage(ctx)
				if err != nil || gt != typ || !bytes.Equal(got, msg) {
					t.Fatalf("echo of %d bytes (%v): %v, %d bytes, %v", size, typ, gt, len(got), err)
				}
			}
		})
	}
}

// TestBroadcast: /broadcast writes every round's message to every client,
// for shio and gorilla, and reports the connections.
func TestBroadcast(t *testing.T) {
	for _, impl := range []string{"shio", "gorilla"} {
		t.Run(impl, func(t *testing.T) {
			reg := &registry{}
			addr := listen(t, impl, reg)
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			var conns []*ws.Conn
			for range 20 {
				c, _, err := ws.Dial(ctx, "ws://"+addr+"/", nil)
				if err != nil {
					t.Fatal(err)
				}
				defer c.Close(ws.StatusNormal, "")
				conns = append(conns, c)
			}
			for {
				rec := httptest.NewRecorder()
				reg.ServeHTTP(rec, httptest.NewRequest("GET", "/conns", nil))
				if rec.Body.String() == "{\"conns\": 20}\n" {
					break
				}
				select {
				case <-ctx.Done():
					t.Fatalf("registry: %s", rec.Body)
				case <-time.After(10 * time.Millisecond):
				}
			}
			rec := httptest.NewRecorder()
			reg.ServeHTTP(rec, httptest.NewRequest("GET", "/broadcast?rounds=3", nil))
			var res roundResult
			if err := json.Unmarshal(rec.Body.Bytes(), &res); err != nil || rec.Code != http.StatusOK {
				t.Fatalf("%d %s: %v", rec.Code, rec.Body, err)
			}
			if res.Conns != 20 || res.Rounds != 3 || res.Errors != 0 || res.WallUS <= 0 {
				t.Errorf("result %+v", res)
			}
			for i, c := range conns {
				for r := range 3 {
					typ, p, err := c.ReadMessage(ctx)
					if err != nil || typ != ws.TextMessage || len(p) != 256 || p[27] != 'b' {
						t.Fatalf("client %d, round %d: %v %d bytes %v", i, r, typ, len(p), err)
					}
				}
			}
		})
	}
}
