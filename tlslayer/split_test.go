package tlslayer_test

import (
	"bytes"
	"crypto/tls"
	"io"
	"math/rand/v2"
	"net"
	"testing"
	"time"
)

// splitConn writes each write in pieces of random sizes, each its own
// segment (TCP_NODELAY), so that the server's reads end anywhere in a
// record: inside a header, just after one, inside a body. It pauses a
// little at some cuts so that the server reads them apart.
type splitConn struct {
	*net.TCPConn
	rng *rand.Rand
	max int
}

func (c *splitConn) Write(p []byte) (int, error) {
	n := 0
	for len(p) > 0 {
		k := min(len(p), 1+c.rng.IntN(c.max))
		m, err := c.TCPConn.Write(p[:k])
		n += m
		if err != nil {
			return n, err
		}
		p = p[k:]
		if c.rng.IntN(4) == 0 {
			// Pacing, not synchronisation: give the server's loop a
			// chance to read a cut here before more bytes follow.
			time.Sleep(20 * time.Microsecond)
		}
	}
	return n, nil
}

// TestRecordsSplitAnywhere: whatever the cut points of the ciphertext, the
// layer hands crypto/tls whole records and the plaintext comes back intact
// (TLS 1.2 and 1.3; small pieces cut headers, large ones hold several
// records and a partial one).
func TestRecordsSplitAnywhere(t *testing.T) {
	cert, pool := testCert(t)
	addr, _ := serveEcho(t, &tls.Config{Certificates: []tls.Certificate{cert}}, 5*time.Second)
	seed := rand.Uint64()
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 1))
	wrng := rand.New(rand.NewPCG(seed, 2)) // the writer goroutine's
	for _, version := range []uint16{tls.VersionTLS12, tls.VersionTLS13} {
		for _, piece := range []int{7, 300, 40000} {
			raw, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			raw.(*net.TCPConn).SetNoDelay(true)
			sc := &splitConn{TCPConn: raw.(*net.TCPConn), rng: rand.New(rand.NewPCG(seed, uint64(piece))), max: piece}
			c := tls.Client(sc, &tls.Config{RootCAs: pool, ServerName: "localhost", MinVersion: version, MaxVersion: version})
			c.SetDeadline(time.Now().Add(30 * time.Second))
			want := make([]byte, min(200<<10, piece*4<<10))
			for i := range want {
				want[i] = byte(rng.IntN(256))
			}
			done := make(chan error, 1)
			go func() {
				for b := want; len(b) > 0; {
					k := min(len(b), 1+wrng.IntN(40000))
					if _, err := c.Write(b[:k]); err != nil {
						done <- err
						return
					}
					b = b[k:]
				}
				done <- nil
			}()
			got := make([]byte, len(want))
			if _, err := io.ReadFull(c, got); err != nil {
				t.Fatalf("TLS %x, pieces up to %d: %v", version, piece, err)
			}
			if err := <-done; err != nil {
				t.Fatalf("TLS %x, pieces up to %d: write %v", version, piece, err)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("TLS %x, pieces up to %d: echo differs", version, piece)
			}
			c.Close()
		}
	}
}
