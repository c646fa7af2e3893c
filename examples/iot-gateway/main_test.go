package main

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// startGateway runs a gateway on loopback until the test ends.
func startGateway(t *testing.T, cfg Config) (*gateway, string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	g := newGateway(cfg)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- g.run(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("run: %v", err)
		}
	})
	return g, ln.Addr().String()
}

// eventually polls cond, with a deadline.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); !cond(); {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within 30 s", what)
		}
		time.Sleep(5 * time.Millisecond) // polling with a deadline
	}
}

func post(t *testing.T, url, body string) (int, string) {
	t.Helper()
	tr := &http.Transport{DisableKeepAlives: true}
	defer tr.CloseIdleConnections()
	resp, err := (&http.Client{Transport: tr}).Post(url, "text/plain", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b := make([]byte, 512)
	n, _ := resp.Body.Read(b)
	return resp.StatusCode, string(b[:n])
}

// TestGateway: thousands of devices connect, most stay idle; the active
// ones' readings all reach the windows (none lost, none counted twice,
// no window over its size); a command reaches one device and only it, a
// command to all reaches every device once; a reading over the alert
// level sends that device "fan on"; the stats are served.
func TestGateway(t *testing.T) {
	n := 2000
	if s := os.Getenv("IOT_DEVICES"); s != "" {
		n, _ = strconv.Atoi(s)
	}
	const active, each = 40, 25
	g, addr := startGateway(t, Config{WindowMax: 64, WindowTime: 20 * time.Millisecond, StoreDelay: 2 * time.Millisecond})
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	f, err := simulate(ctx, addr, n)
	if err != nil {
		t.Fatal(err)
	}
	defer f.close()
	eventually(t, "every device connected", func() bool { return g.stats().Devices == n })

	f.report(ctx, active, 5*time.Millisecond, each)
	eventually(t, "every reading stored", func() bool { return g.stats().Readings >= active*each })
	g.mu.Lock()
	sum := 0
	for _, w := range g.windows {
		if w.N < 1 || w.N > 64 || w.Devices > w.N || w.Max < w.Mean || w.Mean < 15 || w.Max > 35 {
			t.Errorf("window %+v", w)
		}
		sum += w.N
	}
	windows := len(g.windows)
	g.mu.Unlock()
	if sum != active*each {
		t.Fatalf("the windows hold %d readings, %d were sent", sum, active*each)
	}
	t.Logf("%d devices (%d active): %d readings in %d windows", n, active, sum, windows)

	if code, _ := post(t, "http://"+addr+"/command?device=7", "reboot"); code != http.StatusAccepted {
		t.Fatalf("command to device 7: %d", code)
	}
	if code, _ := post(t, "http://"+addr+"/command?device="+strconv.Itoa(n+5), "reboot"); code != http.StatusNotFound {
		t.Fatalf("command to an unknown device: %d", code)
	}
	_, body := post(t, "http://"+addr+"/command", "sync-clock")
	if body != "sent to "+strconv.Itoa(n)+" devices\n" {
		t.Fatalf("command to all: %q", body)
	}
	eventually(t, "every device got the command to all", func() bool {
		for _, d := range f.devs {
			if !d.hasCommand("sync-clock") {
				return false
			}
		}
		return true
	})
	for _, d := range f.devs {
		cmds := d.commands()
		if want := map[bool]int{true: 2, false: 1}[d.id == 7]; len(cmds) != want {
			t.Fatalf("device %d got %q", d.id, cmds)
		}
		if d.id == 7 && cmds[0] != "cmd reboot" {
			t.Fatalf("device 7 got %q", cmds)
		}
	}

	hot := f.devs[3]
	if err := hot.conn.WriteMessage(ctx, 1, []byte("t 99.5")); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the hot device told to cool down", func() bool { return hot.hasCommand("fan on") })
	eventually(t, "the hot reading stored", func() bool { return g.stats().Readings == active*each+1 })

	tr := &http.Transport{DisableKeepAlives: true}
	defer tr.CloseIdleConnections()
	resp, err := (&http.Client{Transport: tr}).Get("http://" + addr + "/stats")
	if err != nil {
		t.Fatal(err)
	}
	var st Stats
	err = json.NewDecoder(resp.Body).Decode(&st)
	resp.Body.Close()
	if err != nil || st.Devices != n || st.Readings != active*each+1 || st.Alerts != 1 {
		t.Fatalf("stats %+v %v", st, err)
	}
}

// TestBackpressure: devices flood readings faster than the slow store
// takes them; every reading is stored, and the gateway never holds more
// than the channel, a window being filled, one read ahead and the window
// being stored.
func TestBackpressure(t *testing.T) {
	cfg := Config{Queue: 16, WindowMax: 8, WindowTime: 10 * time.Millisecond, StoreDelay: 20 * time.Millisecond}
	g, addr := startGateway(t, cfg)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	const devices, each = 20, 20
	f, err := simulate(ctx, addr, devices)
	if err != nil {
		t.Fatal(err)
	}
	defer f.close()
	eventually(t, "every device connected", func() bool { return g.stats().Devices == devices })
	f.report(ctx, devices, time.Microsecond, each)
	eventually(t, "every reading stored", func() bool { return g.stats().Readings == devices*each })
	// Counting happens after Send returns, so each device may add one.
	bound := int64(cfg.Queue + 2*cfg.WindowMax + 1 + devices)
	if ahead := g.stats().MaxAhead; ahead > bound || ahead < int64(cfg.Queue) {
		t.Fatalf("the gateway held %d readings ahead of the store, want between %d (the queue filled) and %d", ahead, cfg.Queue, bound)
	}
	t.Logf("at most %d readings ahead of the store (queue %d, windows of %d)", g.stats().MaxAhead, cfg.Queue, cfg.WindowMax)
}

// TestBadTelemetry: a device that sends nonsense is closed with 1003.
func TestBadTelemetry(t *testing.T) {
	_, addr := startGateway(t, Config{})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	f, err := simulate(ctx, addr, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer f.close()
	c := f.devs[0].conn
	c.WriteMessage(ctx, 1, []byte("hello"))
	err = c.Wait(ctx)
	if err == nil || !strings.Contains(err.Error(), "1003") {
		t.Fatalf("after nonsense: %v", err)
	}
}
