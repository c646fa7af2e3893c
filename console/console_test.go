package console_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/shio-rt/shio/console"
	"github.com/shio-rt/shio/http1"
	"github.com/shio-rt/shio/mpsc"
	"github.com/shio-rt/shio/task"
)

// startServer serves hello on loopback with an http1 server on its reactor
// and returns the server and its URL; the server is shut down at cleanup.
func startServer(t *testing.T) (*http1.Server, string) {
	t.Helper()
	return startServerWith(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "hello")
	}))
}

// startServerWith is startServer with the handler h.
func startServerWith(t *testing.T, h http.Handler) (*http1.Server, string) {
	t.Helper()
	return startServerOn(t, h, nil)
}

// startServerOn is startServerWith serving on wrap(the listener) (if wrap
// is not nil).
func startServerOn(t *testing.T, h http.Handler, wrap func(net.Listener) net.Listener) (*http1.Server, string) {
	t.Helper()
	// Idle connections that send nothing are kept for the whole test (the
	// browser test holds thousands and may run long on a loaded machine).
	srv := &http1.Server{ReadHeaderTimeout: 5 * time.Minute, Handler: h}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	if wrap != nil {
		ln = wrap(ln)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
		if err := <-done; !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("Serve: %v", err)
		}
	})
	return srv, "http://" + addr
}

func get(t *testing.T, h http.Handler, target string) *httptest.ResponseRecorder {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", target, nil))
	return rec
}

// parked spawns n tasks named name that wait on a channel until cleanup.
func parked(t testing.TB, name string, n int) []task.ID {
	t.Helper()
	ctx := context.Background()
	tx, rx := mpsc.New[int](1)
	var ids []task.ID
	var hs []*task.Handle[int]
	for range n {
		h := task.SpawnNamed(ctx, name, func(ctx context.Context) (int, error) {
			_, err := rx.Recv(ctx)
			return 0, err
		})
		ids = append(ids, h.ID())
		hs = append(hs, h)
	}
	t.Cleanup(func() {
		tx.Close()
		for _, h := range hs {
			h.Join(ctx)
		}
	})
	// Wait until every one is parked (polling, with a deadline).
	c := console.New(console.Config{})
	for deadline := time.Now().Add(10 * time.Second); ; {
		waiting := 0
		for _, ts := range c.Snapshot().Tasks {
			if ts.Name == name && ts.State == "waiting" {
				waiting++
			}
		}
		if waiting == n {
			return ids
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d tasks parked after 10s", waiting, n)
		}
		time.Sleep(time.Millisecond) // polling, not synchronising: the loop checks the state
	}
}

func TestMetricsPassPromtool(t *testing.T) {
	srv, url := startServer(t)
	client := &http.Client{Transport: &http.Transport{}}
	defer client.CloseIdleConnections()
	for range 3 {
		resp, err := client.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	parked(t, "metrics \"quoted\"\nname\\", 2)
	c := console.New(console.Config{Servers: map[string]*http1.Server{"web": srv}})
	rec := get(t, c.Metrics(), "/metrics")
	body := rec.Body.String()
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/plain; version=0.0.4") {
		t.Errorf("Content-Type %q", ct)
	}
	for _, want := range []string{
		`shio_tasks_live{name="metrics \"quoted\"\nname\\"} 2`,
		`shio_http_requests_total{server="web"} 3`,
		`shio_loop_connections{server="web",loop="0"}`,
		`shio_tasks_spawned_total{name="metrics \"quoted\"\nname\\"} 2`,
		`shio_task_first_run_seconds_bucket{name="metrics \"quoted\"\nname\\",le="+Inf"} `,
		"# TYPE shio_task_wake_resume_seconds histogram",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %q", want)
		}
	}
	if t.Failed() {
		t.Logf("metrics:\n%s", body)
	}
	promtool, err := exec.LookPath("promtool")
	if err != nil {
		t.Skip("promtool not installed (Debian package prometheus; .ci/run installs it): the format was not checked by Prometheus")
	}
	cmd := exec.Command(promtool, "check", "metrics")
	cmd.Stdin = strings.NewReader(body)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("promtool check metrics: %v\n%s", err, out)
	}
}

func TestPageIsServedOffline(t *testing.T) {
	c := console.New(console.Config{})
	rec := get(t, c, "/")
	body := rec.Body.String()
	if rec.Code != 200 || !strings.Contains(body, "<title>shio console</title>") {
		t.Fatalf("page: %d %.200q", rec.Code, body)
	}
	for _, remote := range []string{"http://", "https://", "//cdn"} {
		if strings.Contains(body, "src=\""+remote) || strings.Contains(body, "href=\""+remote) {
			t.Errorf("the page loads %s resources", remote)
		}
	}
	if rec := get(t, c, "/nope"); rec.Code != 404 {
		t.Errorf("/nope: %d", rec.Code)
	}
}

// TestEventsStreamSnapshots reads the first two Server-Sent Events and finds
// the parked tasks in them, waiting on a receive.
func TestEventsStreamSnapshots(t *testing.T) {
	ids := parked(t, "sse-task", 3)
	c := console.New(console.Config{Interval: 100 * time.Millisecond})
	hs := httptest.NewServer(c)
	defer hs.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", hs.URL+"/events", nil)
	resp, err := hs.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Fatalf("Content-Type %q", ct)
	}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(nil, 16<<20)
	events := 0
	for events < 2 && sc.Scan() {
		line := sc.Text()
		data, ok := strings.CutPrefix(line, "data: ")
		if !ok {
			continue
		}
		events++
		// The compact form: tasks as columns whose strings are indexes in strs.
		var snap struct {
			Level string
			Tasks [][]int64 // columns
			Strs  []string
		}
		if err := json.Unmarshal([]byte(data), &snap); err != nil {
			t.Fatal(err)
		}
		if len(snap.Tasks) != 13 {
			t.Fatalf("%d task columns, want 13", len(snap.Tasks))
		}
		found := 0
		for i := range snap.Tasks[0] {
			ts := make([]int64, 13)
			for col := range ts {
				if len(snap.Tasks[col]) != len(snap.Tasks[0]) {
					t.Fatalf("column %d has %d tasks, column 0 %d", col, len(snap.Tasks[col]), len(snap.Tasks[0]))
				}
				ts[col] = snap.Tasks[col][i]
			}
			for _, id := range ids {
				if ts[0] == int64(id) && snap.Strs[ts[2]] == "sse-task" && snap.Strs[ts[3]] == "waiting" &&
					snap.Strs[ts[4]] == "mpsc.recv" && ts[6] != 0 && strings.Contains(snap.Strs[ts[12]], "console_test.go") {
					found++
				}
			}
		}
		if found != len(ids) || snap.Level != "full" {
			t.Fatalf("event %d: %d of %d parked tasks shown waiting on mpsc.recv (level %s)", events, found, len(ids), snap.Level)
		}
	}
	if events < 2 {
		t.Fatalf("got %d events: %v", events, sc.Err())
	}
}

// TestStackShowsTheTask: the stack of a parked task comes from the goroutine
// profile, filtered by its pprof label, and shows where it waits.
func TestStackShowsTheTask(t *testing.T) {
	ids := parked(t, "stack-task", 2)
	c := console.New(console.Config{})
	rec := get(t, c, "/stack?id="+strconv.FormatUint(uint64(ids[0]), 10))
	body := rec.Body.String()
	if !strings.Contains(body, "console_test.parked") || !strings.Contains(body, `"shio.name":"stack-task"`) {
		t.Fatalf("stack of task %d:\n%s", ids[0], body)
	}
	if n := strings.Count(body, `"shio.task":"`); n != 1 {
		t.Fatalf("stack shows %d goroutines, want the task's one:\n%s", n, body)
	}
	if rec := get(t, c, "/stack?id=x"); rec.Code != 400 {
		t.Errorf("bad id: %d", rec.Code)
	}
	if body := get(t, c, "/stack?id=999999999").Body.String(); !bytes.Contains([]byte(body), []byte("no goroutine")) {
		t.Errorf("unknown task: %q", body)
	}
}

// TestOpenMetricsOnRequest: a scraper asking for OpenMetrics gets its
// content type, counter families named without _total (their samples keep
// it), and the closing # EOF.
func TestOpenMetricsOnRequest(t *testing.T) {
	parked(t, "openmetrics", 1)
	c := console.New(console.Config{})
	req := httptest.NewRequest("GET", "/metrics", nil)
	req.Header.Set("Accept", "application/openmetrics-text;version=1.0.0,text/plain;q=0.5")
	rec := httptest.NewRecorder()
	c.Metrics().ServeHTTP(rec, req)
	body := rec.Body.String()
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/openmetrics-text; version=1.0.0") {
		t.Errorf("Content-Type %q", ct)
	}
	for _, want := range []string{"# TYPE shio_tasks_spawned counter\n", `shio_tasks_spawned_total{name="openmetrics"} 1`, "# TYPE shio_tasks_live gauge\n"} {
		if !strings.Contains(body, want) {
			t.Errorf("OpenMetrics output lacks %q", want)
		}
	}
	if !strings.HasSuffix(body, "\n# EOF\n") || strings.Count(body, "# EOF") != 1 {
		t.Errorf("OpenMetrics output does not end with one # EOF: ...%q", body[max(len(body)-40, 0):])
	}
	if strings.Contains(body, "# TYPE shio_tasks_spawned_total") {
		t.Error("a counter family keeps its _total suffix")
	}
}
