package ws_test

import (
	"context"
	"encoding/binary"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/shio-rt/shio/broadcast"
	"github.com/shio-rt/shio/ws"
)

// hubMember joins a Hub when it opens and leaves when it closes.
type hubMember struct {
	hub    *ws.Hub
	joined chan struct{}
}

func (m hubMember) OnOpen(c *ws.Conn) {
	if err := m.hub.Join(c); err != nil {
		panic(err)
	}
	m.joined <- struct{}{}
}
func (hubMember) OnMessage(*ws.Conn, ws.MessageType, []byte) {}
func (m hubMember) OnClose(c *ws.Conn, _ error)              { m.hub.Leave(c) }

// TestHubSlowReaders: messages broadcast through a Hub reach every fast
// member, while slow members (a tiny receive window, reading nothing
// until the end) never hold them back; when a slow member reads at last it
// gets messages in order, told by OnLag exactly how many it missed: the
// indices it receives and the missed counts add up with no gap. Half the
// fast members negotiate permessage-deflate (the shared compressed
// variant).
func TestHubSlowReaders(t *testing.T) {
	const (
		fast, slow = 4, 2
		total      = 2500
		size       = 4 << 10
	)
	tx, rx := broadcast.New[*ws.PreparedMessage](16)
	hub := ws.NewHub(rx, ws.HubConfig{OnLag: func(c *ws.Conn, missed uint64) {
		c.TryWriteMessage(ws.TextMessage, []byte("lag "+strconv.FormatUint(missed, 10)))
	}})
	defer hub.Close()
	joined := make(chan struct{}, fast+slow)
	up := ws.Upgrader{Config: ws.Config{MaxOutbound: 32 << 10, PingInterval: -1, Compression: true, CompressionThreshold: 64}}
	addr := serveWS(t, &up, hubMember{hub, joined})

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	acks := make(chan int, fast*total)
	errs := make(chan error, fast)
	var wg sync.WaitGroup
	for i := range fast {
		d := ws.Dialer{Config: ws.Config{Compression: i%2 == 0, PingInterval: -1}}
		c, _, err := d.Dial(ctx, "ws://"+addr+"/", nil)
		if err != nil {
			t.Fatal(err)
		}
		defer func() { c.Close(ws.StatusNormal, ""); c.Wait(ctx) }()
		wg.Add(1)
		go func() {
			defer wg.Done()
			for want := range total {
				typ, p, err := c.ReadMessage(ctx)
				if err == nil && (typ != ws.BinaryMessage || len(p) != size || int(binary.BigEndian.Uint64(p)) != want) {
					err = fmt.Errorf("fast member: message %d: got %v of %d bytes", want, typ, len(p))
				}
				if err != nil {
					errs <- err
					return
				}
				acks <- want
			}
		}()
	}
	slowConns := make([]net.Conn, slow)
	for i := range slowConns {
		slowConns[i] = dialSmallWindow(t, addr)
	}
	for range fast + slow {
		<-joined
	}
	msg := make([]byte, size)
	for i := range total {
		binary.BigEndian.PutUint64(msg, uint64(i))
		m, err := ws.NewPreparedMessage(ws.BinaryMessage, msg)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tx.Send(m); err != nil {
			t.Fatal(err)
		}
		// Every fast member has message i before i+1 is sent: the slow
		// ones, which read nothing, must not hold them back.
		for range fast {
			select {
			case <-acks:
			case err := <-errs:
				t.Fatal(err)
			case <-ctx.Done():
				t.Fatalf("fast members stalled at message %d", i)
			}
		}
	}
	wg.Wait()
	for i, nc := range slowConns {
		got, missed, notices := readSlow(t, nc, total, size)
		if got+missed != total || notices == 0 {
			t.Fatalf("slow member %d: %d messages received + %d missed (%d notices), want %d in all with at least one notice",
				i, got, missed, notices, total)
		}
		t.Logf("slow member %d: %d received, %d missed in %d lags", i, got, missed, notices)
	}
}

// dialSmallWindow opens a WebSocket with a 4 KiB receive buffer (set
// before connecting, so the window stays small) and reads the 101.
func dialSmallWindow(t *testing.T, addr string) net.Conn {
	t.Helper()
	d := net.Dialer{Control: func(_, _ string, rc syscall.RawConn) error {
		var err error
		rc.Control(func(fd uintptr) { err = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096) })
		return err
	}}
	nc, err := d.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	req := "GET / HTTP/1.1\r\nHost: " + addr + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Key: " + testKey + "\r\nSec-WebSocket-Version: 13\r\n\r\n"
	nc.Write([]byte(req))
	buf := make([]byte, 0, 256)
	one := make([]byte, 1)
	nc.SetDeadline(time.Now().Add(10 * time.Second))
	for !strings.HasSuffix(string(buf), "\r\n\r\n") { // byte by byte: nothing of the frames behind is taken
		if _, err := nc.Read(one); err != nil {
			t.Fatalf("handshake: %q %v", buf, err)
		}
		buf = append(buf, one[0])
	}
	if !strings.HasPrefix(string(buf), "HTTP/1.1 101") {
		t.Fatalf("handshake: %q", buf)
	}
	return nc
}

// readSlow reads a slow member's messages up to the last one and checks
// that each index follows the previous one plus what the notices between
// them reported missed.
func readSlow(t *testing.T, nc net.Conn, total, size int) (got, missed, notices int) {
	t.Helper()
	nc.SetDeadline(time.Now().Add(30 * time.Second))
	c := &rawClient{t: t, nc: nc, br: newReader(nc)}
	next := 0
	for next < total {
		f, err := c.read()
		if err != nil {
			t.Fatalf("slow member after message %d: %v", next-1, err)
		}
		switch f.op {
		case 1:
			n, err := strconv.Atoi(strings.TrimPrefix(string(f.p), "lag "))
			if err != nil || n <= 0 {
				t.Fatalf("notice %q", f.p)
			}
			missed += n
			notices++
			next += n
		case 2:
			if len(f.p) != size || int(binary.BigEndian.Uint64(f.p)) != next {
				t.Fatalf("slow member: message %d of %d bytes, want %d", binary.BigEndian.Uint64(f.p), len(f.p), next)
			}
			got++
			next++
		default:
			t.Fatalf("unexpected frame op %d", f.op)
		}
	}
	return got, missed, notices
}

// TestHubStopsWithItsSender: once the channel's sender closes and the
// members have had everything, the Hub stops: Join returns ErrHubClosed.
func TestHubStopsWithItsSender(t *testing.T) {
	tx, rx := broadcast.New[*ws.PreparedMessage](4)
	hub := ws.NewHub(rx, ws.HubConfig{})
	defer hub.Close()
	tx.Close()
	deadline := time.Now().Add(10 * time.Second)
	var c ws.Conn
	for hub.Join(&c) != ws.ErrHubClosed {
		if time.Now().After(deadline) {
			t.Fatal("the Hub did not stop after its sender closed")
		}
		hub.Leave(&c)
		time.Sleep(time.Millisecond) // polling with a deadline
	}
}
