package console_test

import (
	"bufio"
	"context"
	"encoding/base64"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/shio-rt/shio/console"
	"github.com/shio-rt/shio/http1"
)

func envInt(t *testing.T, name string, def int) int {
	s := os.Getenv(name)
	if s == "" {
		return def
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 {
		t.Fatalf("%s=%q: want a positive count", name, s)
	}
	return n
}

func chromium(t *testing.T) string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Skip("no Chromium (Debian package chromium; .ci/run installs it): the page was not loaded in a browser")
	return ""
}

// TestBrowserShowsTheConsole loads the console in headless Chromium, driven
// over the DevTools protocol, while the program holds 1,000 parked tasks and
// an HTTP server holds 5,000 idle connections. It checks what the page
// shows (every task; the connections summed over the loops), that it
// updates, that an update renders in under a second (the figure is logged;
// the target is 100 ms, not asserted on a shared machine) and that the
// browser reported no error. SHIO_CONSOLE_SCREENSHOT=path saves a
// screenshot; SHIO_CONSOLE_TASKS and SHIO_CONSOLE_CONNS change the counts
// (20,000 connections need 40,000 descriptors: run under
// prlimit --nofile=50000).
func TestBrowserShowsTheConsole(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: the browser test holds 5,000 connections")
	}
	bin := chromium(t)
	tasks, conns := envInt(t, "SHIO_CONSOLE_TASKS", 1000), envInt(t, "SHIO_CONSOLE_CONNS", 5000)

	srv, url := startServer(t)
	addr := strings.TrimPrefix(url, "http://")
	var clients []net.Conn
	t.Cleanup(func() {
		for _, c := range clients {
			c.Close()
		}
	})
	for range conns {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatalf("after %d connections: %v", len(clients), err)
		}
		clients = append(clients, c)
	}
	for deadline := time.Now().Add(20 * time.Second); srv.Stats().Open < int64(conns); {
		if time.Now().After(deadline) {
			t.Fatalf("server holds %d of %d connections after 20s", srv.Stats().Open, conns)
		}
		time.Sleep(10 * time.Millisecond) // polling with a deadline
	}
	parked(t, "browser-task", tasks)

	c := console.New(console.Config{Servers: map[string]*http1.Server{"web": srv}, Interval: 200 * time.Millisecond})
	hs := httptest.NewServer(c)
	defer hs.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "--headless", "--no-sandbox", "--disable-gpu", "--window-size=1400,900",
		"--remote-debugging-port=0", "--remote-debugging-address=127.0.0.1", "--user-data-dir="+t.TempDir(), "about:blank")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	drained := make(chan struct{})
	wsRe := regexp.MustCompile(`DevTools listening on (ws://\S+)`)
	found := make(chan string, 1)
	go func() {
		defer close(drained)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			if m := wsRe.FindStringSubmatch(sc.Text()); m != nil {
				select {
				case found <- m[1]:
				default:
				}
			}
		}
	}()
	defer func() {
		cmd.Process.Kill()
		<-drained
		cmd.Wait()
	}()
	var browserWS string
	select {
	case browserWS = <-found:
	case <-ctx.Done():
		t.Fatal("Chromium did not start its DevTools server")
	}

	// The page target's WebSocket, from the browser's target list.
	host := strings.Split(strings.TrimPrefix(browserWS, "ws://"), "/")[0]
	resp, err := http.Get("http://" + host + "/json/list")
	if err != nil {
		t.Fatal(err)
	}
	var targets []struct{ Type, WebSocketDebuggerURL string }
	err = json.NewDecoder(resp.Body).Decode(&targets)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	var pageWS string
	for _, tg := range targets {
		if tg.Type == "page" {
			pageWS = tg.WebSocketDebuggerURL
		}
	}
	if pageWS == "" {
		t.Fatalf("no page target in %+v", targets)
	}
	b, err := dialCDP(pageWS)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	for _, m := range []string{"Runtime.enable", "Log.enable", "Page.enable"} {
		if _, err := b.call(m, map[string]any{}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := b.call("Page.navigate", map[string]any{"url": hs.URL + "/#tasks"}); err != nil {
		t.Fatal(err)
	}

	type state struct {
		Updates int    `json:"updates"`
		Rows    int    `json:"rows"`
		Count   string `json:"count"`
		Status  string `json:"status"`
		MaxMs   int    `json:"max_ms"`
	}
	const probe = `({updates: +(document.body && document.body.dataset.updates || 0),
		rows: document.querySelectorAll("#tasks tr[data-id]").length,
		count: (document.getElementById("count")||{}).textContent || "",
		status: (document.getElementById("status")||{}).textContent || "",
		max_ms: +(document.body && document.body.dataset.maxRenderMs || 0)})`
	var st state
	for deadline := time.Now().Add(30 * time.Second); ; {
		if err := b.eval(probe, &st); err != nil {
			t.Fatal(err)
		}
		if st.Updates >= 3 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the page got %d updates in 30s: %+v", st.Updates, st)
		}
		time.Sleep(50 * time.Millisecond) // polling the page, with a deadline
	}
	shown := min(tasks, 1000) // the page draws at most 1,000 rows
	if st.Rows != shown || !strings.Contains(st.Count, strconv.Itoa(tasks)+" live") {
		t.Errorf("the task table shows %d rows and %q, want %d rows of %d live: %+v", st.Rows, st.Count, shown, tasks, st)
	}
	var named int
	if err := b.eval(`[...document.querySelectorAll("#tasks tr[data-id]")].filter(tr => tr.children[2].textContent == "browser-task" && tr.children[3].textContent == "waiting").length`, &named); err != nil {
		t.Fatal(err)
	}
	if named != shown {
		t.Errorf("%d rows show a waiting browser-task, want %d", named, shown)
	}
	if !regexp.MustCompile(`render \d+ ms`).MatchString(st.Status) {
		t.Fatalf("status %q has no render time", st.Status)
	}
	t.Logf("%d updates of %d live tasks and %d connections: the slowest took %d ms to parse and render (status %q)",
		st.Updates, tasks, conns, st.MaxMs, st.Status)
	if st.MaxMs > 1000 {
		t.Errorf("an update took %d ms to render", st.MaxMs)
	}

	// The resources view: the tasks wait on one channel.
	var waiters int
	if err := b.eval(`document.querySelector('button[data-t="resources"]').click(),
		[...document.querySelectorAll("#resources tr")].slice(1).filter(tr => tr.children[0].textContent == "mpsc.recv").reduce((a, tr) => Math.max(a, +tr.children[2].textContent), 0)`, &waiters); err != nil {
		t.Fatal(err)
	}
	if waiters != tasks {
		t.Errorf("the resources view shows %d receivers on the channel, want %d", waiters, tasks)
	}

	// The loops view: the connections, summed over the loops.
	var open int
	if err := b.eval(`document.querySelector('button[data-t="loops"]').click(),
		[...document.querySelectorAll("#view table tr")].slice(1).reduce((a, tr) => a + +tr.children[2].textContent, 0)`, &open); err != nil {
		t.Fatal(err)
	}
	if open != conns {
		t.Errorf("the loops view shows %d connections, want %d", open, conns)
	}
	if path := os.Getenv("SHIO_CONSOLE_SCREENSHOT"); path != "" {
		b.eval(`document.querySelector('button[data-t="tasks"]').click(), document.getElementById("tree").click(), 1`, new(int))
		res, err := b.call("Page.captureScreenshot", map[string]any{"format": "png"})
		if err != nil {
			t.Fatal(err)
		}
		var shot struct{ Data string }
		json.Unmarshal(res, &shot)
		png, _ := base64.StdEncoding.DecodeString(shot.Data)
		if err := os.WriteFile(path, png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if len(b.errors) > 0 {
		t.Errorf("the browser reported errors:\n%s", strings.Join(b.errors, "\n"))
	}
}
