package loadgen_test

import (
	"fmt"
	"net"
	"testing"

	"pgregory.net/rapid"

	"github.com/shio-rt/shio/cmd/shio/internal/loadgen"
)

// linuxEphemeralPorts is the size of Linux's default ephemeral port range
// (32768-60999): how many connections one source address can open to one
// server address.
const linuxEphemeralPorts = 60999 - 32768 + 1

// TestIdleSpreadsPast64KOverLoopbackSources checks the source addresses of
// a run too large to open on a machine limited to 20,000 files: 100,000
// connections to 127.0.0.1 at the default 5000 per source come from
// 127.0.0.1 to 127.0.0.20, in order, none over one address's ports.
func TestIdleSpreadsPast64KOverLoopbackSources(t *testing.T) {
	const conns = 100_000
	g, err := loadgen.NewIdle(loadgen.IdleConfig{Addr: "127.0.0.1:8080", Conns: conns})
	if err != nil {
		t.Fatal(err)
	}
	perSource := map[string]int{}
	for i := range conns {
		perSource[loadgen.IdleSource(g, i).IP.String()]++
	}
	if len(perSource) != 20 {
		t.Fatalf("%d sources, want 20: %v", len(perSource), perSource)
	}
	for k := 1; k <= 20; k++ {
		if n := perSource[fmt.Sprintf("127.0.0.%d", k)]; n != 5000 {
			t.Errorf("127.0.0.%d: %d connections, want 5000", k, n)
		}
	}
	for i, want := range map[int]string{0: "127.0.0.1", 4999: "127.0.0.1", 5000: "127.0.0.2", conns - 1: "127.0.0.20"} {
		if got := loadgen.IdleSource(g, i).IP.String(); got != want {
			t.Errorf("connection %d from %s, want %s", i, got, want)
		}
	}
}

// TestIdleSourcePropertiesHold checks, for any count and share per source,
// that connections are spread over consecutive 127.0.0.x from .1, in
// order, at most PerSource each (so never more than one address's
// ephemeral ports when PerSource is below that), and that a run fitting in
// one source, or aimed off loopback or at IPv6, binds nothing.
func TestIdleSourcePropertiesHold(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		per := rapid.IntRange(1, linuxEphemeralPorts).Draw(t, "perSource")
		conns := rapid.IntRange(1, 254*per).Draw(t, "conns")
		host := rapid.SampledFrom([]string{"127.0.0.1", "127.0.0.5", "10.0.0.1", "[::1]"}).Draw(t, "host")
		g, err := loadgen.NewIdle(loadgen.IdleConfig{Addr: host + ":80", Conns: conns, PerSource: per})
		if err != nil {
			t.Fatalf("NewIdle: %v", err)
		}
		spread := conns > per && (host == "127.0.0.1" || host == "127.0.0.5")
		// Check the first and last connection of every source, and the
		// ones around each boundary.
		prev := 0
		for _, i := range samples(conns, per) {
			a := loadgen.IdleSource(g, i)
			if !spread {
				if a != nil {
					t.Fatalf("connection %d of %d to %s bound to %v, want the system's choice", i, conns, host, a)
				}
				continue
			}
			ip := a.IP.To4()
			if ip == nil || !a.IP.Equal(net.IPv4(127, 0, 0, ip[3])) || a.Port != 0 {
				t.Fatalf("connection %d: source %v, want 127.0.0.x with no port", i, a)
			}
			src := int(ip[3])
			if want := 1 + i/per; src != want {
				t.Fatalf("connection %d at %d per source: 127.0.0.%d, want 127.0.0.%d", i, per, src, want)
			}
			if src < prev {
				t.Fatalf("connection %d: source went back from .%d to .%d", i, prev, src)
			}
			prev = src
		}
	})
}

// samples returns, in order, the indices 0, n-1 and those on either side
// of each multiple of per below n.
func samples(n, per int) []int {
	s := []int{0}
	for b := per; b < n; b += per {
		s = append(s, b-1, b)
	}
	return append(s, n-1)
}
