package main

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"testing"
	"time"

	"github.com/shio-rt/shio/ws"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// TestRoom: a player's inputs show in the snapshots, and a player that
// reads nothing skips snapshots (its missed count grows) while the room
// goes on at its rate for the others.
func TestRoom(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- run(ctx, ln, config{tick: 2 * time.Millisecond, pad: 32 << 10}) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("run: %v", err)
		}
	}()
	addr := ln.Addr().String()

	// The slow player: handshakes, then never reads.
	slow, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer slow.Close()
	io.WriteString(slow, "GET /play HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"+
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")

	tctx, tcancel := context.WithTimeout(ctx, 20*time.Second)
	defer tcancel()
	c, _, err := ws.Dial(tctx, "ws://"+addr+"/play", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(ws.StatusNormal, "")
	for range 3 {
		if err := c.WriteMessage(tctx, ws.TextMessage, []byte("move 1 0")); err != nil {
			t.Fatal(err)
		}
	}
	var last int64
	movedSeen, slowSkipped := false, false
	for !movedSeen || !slowSkipped {
		_, p, err := c.ReadMessage(tctx)
		if err != nil {
			t.Fatalf("reading snapshots (moved seen %v, slow player skipped %v): %v", movedSeen, slowSkipped, err)
		}
		var s snapshot
		if err := json.Unmarshal(p, &s); err != nil {
			t.Fatal(err)
		}
		if s.Tick <= last {
			t.Fatalf("tick %d after %d", s.Tick, last)
		}
		last = s.Tick
		for _, pl := range s.Players {
			if pl.X == 3 {
				movedSeen = true
			}
			if pl.Missed > 0 {
				slowSkipped = true
			}
		}
	}
}
