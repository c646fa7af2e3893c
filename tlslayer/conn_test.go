package tlslayer_test

import (
	"bytes"
	"crypto/tls"
	"io"
	"testing"
	"time"
)

func TestEchoWithGoClient(t *testing.T) {
	cert, pool := testCert(t)
	for _, v := range []uint16{tls.VersionTLS12, tls.VersionTLS13} {
		t.Run(tls.VersionName(v), func(t *testing.T) {
			addr, _ := serveEcho(t, &tls.Config{Certificates: []tls.Certificate{cert}}, 0)
			c, err := tls.Dial("tcp", addr, &tls.Config{RootCAs: pool, ServerName: "localhost", MinVersion: v, MaxVersion: v})
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			for _, n := range []int{1, 100, 16384, 16385, 100000, 1 << 20} {
				msg := bytes.Repeat([]byte{byte(n)}, n)
				go c.Write(msg)
				got := make([]byte, n)
				if _, err := io.ReadFull(c, got); err != nil {
					t.Fatalf("%d bytes: %v", n, err)
				}
				if !bytes.Equal(got, msg) {
					t.Fatalf("%d bytes: echo differs", n)
				}
			}
			if got := c.ConnectionState().Version; got != v {
				t.Fatalf("version %x, want %x", got, v)
			}
			c.CloseWrite()
			c.SetReadDeadline(time.Now().Add(5 * time.Second))
			if n, err := c.Read(make([]byte, 1)); err != io.EOF {
				t.Fatalf("after close_notify: %d, %v; want the server's close_notify (EOF)", n, err)
			}
		})
	}
}
