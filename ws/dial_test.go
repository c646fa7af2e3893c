package ws_test

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/shio-rt/shio/ws"
)

// TestDialEcho: the client and the server, both shio, exchange text and
// binary messages of every length class (the client's masking across its
// 16 KiB write chunks included), a ping, and close cleanly.
func TestDialEcho(t *testing.T) {
	up := ws.Upgrader{Subprotocols: []string{"echo"}}
	addr := serveWS(t, &up, echo{})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	d := ws.Dialer{Subprotocols: []string{"other", "echo"}}
	c, resp, err := d.Dial(ctx, "ws://"+addr+"/x?y=1", nil)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 101 || c.Subprotocol() != "echo" {
		t.Fatalf("status %d, subprotocol %q", resp.StatusCode, c.Subprotocol())
	}
	for _, n := range []int{0, 1, 125, 126, 65535, 65536, 100003, 1 << 20} {
		msg := bytes.Repeat([]byte("0123456789abcdef"), n/16+1)[:n]
		for _, typ := range []ws.MessageType{ws.TextMessage, ws.BinaryMessage} {
			if err := c.WriteMessage(ctx, typ, msg); err != nil {
				t.Fatal(err)
			}
			gt, got, err := c.ReadMessage(ctx)
			if err != nil || gt != typ || !bytes.Equal(got, msg) {
				t.Fatalf("%v of %d bytes: got %v of %d bytes, %v", typ, n, gt, len(got), err)
			}
		}
	}
	if err := c.Ping([]byte("hi")); err != nil {
		t.Fatal(err)
	}
	if err := c.Close(ws.StatusNormal, "done"); err != nil {
		t.Fatal(err)
	}
	_, _, err = c.ReadMessage(ctx)
	var ce *ws.CloseError
	if !errors.As(err, &ce) || ce.Code != ws.StatusNormal || !ce.Remote {
		t.Fatalf("after Close: %v", err)
	}
}

// TestDialRefused: a plain HTTP answer is a *HandshakeError with the
// response.
func TestDialRefused(t *testing.T) {
	up := ws.Upgrader{CheckOrigin: func(*http.Request) bool { return false }}
	addr := serveWS(t, &up, echo{})
	_, resp, err := ws.Dial(context.Background(), "ws://"+addr+"/", nil)
	var he *ws.HandshakeError
	if !errors.As(err, &he) || resp == nil || resp.StatusCode != http.StatusForbidden {
		t.Fatalf("Dial: %v, %v", resp, err)
	}
}

// TestDialCancellation: a server that never answers the handshake leaves
// Dial to its context.
func TestDialCancellation(t *testing.T) {
	ln := silentListener(t)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, _, err := ws.Dial(ctx, "ws://"+ln+"/", nil)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Dial to a silent server: %v", err)
	}
}
