package console_test

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/shio-rt/shio/console"
	"github.com/shio-rt/shio/ctxsync"
	"github.com/shio-rt/shio/http1"
	"github.com/shio-rt/shio/mpsc"
	"github.com/shio-rt/shio/task"
)

// stuckHandler waits on mu, after spawning a child task that waits on rx:
// a Handler stuck on a shio lock.
func stuckHandler(mu *ctxsync.Mutex, rx *mpsc.Receiver[int]) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		child := task.SpawnNamed(r.Context(), "handler-child", func(ctx context.Context) (int, error) {
			return rx.Recv(ctx)
		})
		defer child.Join(context.Background())
		if err := mu.Lock(r.Context()); err != nil {
			return
		}
		mu.Unlock()
		io.WriteString(w, "unstuck")
	}
}

// TestStuckHandlerIsFoundFromItsConnection: while a Handler waits on a lock,
// its connection shows the request's age and its task; that task (an
// http1.request) is in the task table waiting on the mutex, with the task
// its Handler spawned as its child; /conns?task= finds the connection from
// the task; the stuck detector reports the wait with the Handler's stack;
// once the request ends the connection owns no task. On the reactor path
// and on the net.Conn fallback (a listener http1 does not know).
func TestStuckHandlerIsFoundFromItsConnection(t *testing.T) {
	t.Run("reactor", func(t *testing.T) { testStuckHandler(t, false) })
	t.Run("fallback", func(t *testing.T) { testStuckHandler(t, true) })
}

// opaqueListener hides its listener's type: http1 serves its connections
// on the net.Conn fallback, a goroutine each.
type opaqueListener struct{ net.Listener }

func testStuckHandler(t *testing.T, fallback bool) {
	var mu ctxsync.Mutex
	mu.Lock(context.Background())
	tx, rx := mpsc.New[int](1)
	var srv *http1.Server
	var url string
	if fallback {
		srv, url = startServerOn(t, stuckHandler(&mu, rx), func(ln net.Listener) net.Listener { return opaqueListener{ln} })
	} else {
		srv, url = startServerWith(t, stuckHandler(&mu, rx))
	}
	c := console.New(console.Config{Servers: map[string]*http1.Server{"api": srv}})

	type result struct {
		body string
		err  error
	}
	done := make(chan result, 1)
	client := &http.Client{Transport: &http.Transport{}}
	defer client.CloseIdleConnections()
	go func() {
		resp, err := client.Get(url + "/stuck")
		if err != nil {
			done <- result{err: err}
			return
		}
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		done <- result{string(b), err}
	}()

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	// Poll (with a deadline) until the Handler waits on the lock and its
	// child on the channel.
	var conn console.Conn
	var req, child console.Task
	for {
		conns, _, err := c.Conns(ctx, 0)
		if err != nil {
			t.Fatal(err)
		}
		conn = console.Conn{}
		for _, cn := range conns {
			if cn.Phase == "running" {
				conn = cn
			}
		}
		req, child = console.Task{}, console.Task{}
		for _, ts := range c.Snapshot().Tasks {
			if conn.Task != 0 && ts.ID == conn.Task {
				req = ts
			}
			if ts.Name == "handler-child" && ts.State == "waiting" {
				child = ts
			}
		}
		if req.State == "waiting" && child.ID != 0 {
			break
		}
		if ctx.Err() != nil {
			t.Fatalf("no running connection whose task waits: conn %+v, request task %+v, child %+v", conn, req, child)
		}
		time.Sleep(time.Millisecond) // polling, not synchronising
	}
	if conn.Request <= 0 || conn.Request > conn.Age || conn.Requests != 1 || (conn.Loop == -1) != fallback {
		t.Errorf("request age %v (connection age %v), %d requests, loop %d", conn.Request, conn.Age, conn.Requests, conn.Loop)
	}
	if req.Name != "http1.request" || !req.Request || req.WaitKind != "mutex" || req.Site != "" || req.Parent != 0 {
		t.Errorf("request task: %+v", req)
	}
	if child.Parent != req.ID || child.WaitKind != "mpsc.recv" {
		t.Errorf("the Handler's task %+v is not the request %d's child", child, req.ID)
	}

	// From the task to its connection.
	rec := get(t, c, "/conns?task="+strconv.FormatUint(req.ID, 10))
	var byTask struct{ Conns []console.Conn }
	if err := json.Unmarshal(rec.Body.Bytes(), &byTask); err != nil {
		t.Fatal(err)
	}
	if len(byTask.Conns) != 1 || byTask.Conns[0].Remote != conn.Remote || byTask.Conns[0].Task != req.ID {
		t.Errorf("/conns?task=%d: %s", req.ID, rec.Body)
	}
	if rec := get(t, c, "/conns?task=x"); rec.Code != http.StatusBadRequest {
		t.Errorf("/conns?task=x: %d", rec.Code)
	}

	// The stuck detector reports the wait, with the Handler's stack.
	var report *console.Report
	for _, r := range c.Check(console.WatchConfig{Wait: time.Nanosecond, Hold: -1, Run: -1, Growth: -1, LoopPass: -1}) {
		if r.Kind == "wait" && r.Task.ID == req.ID {
			report = &r
		}
	}
	if report == nil || !strings.Contains(report.Stack, "stuckHandler") {
		t.Fatalf("no wait report for the request with its Handler's stack: %+v", report)
	}

	mu.Unlock()
	tx.Send(ctx, 1)
	if r := <-done; r.err != nil || r.body != "unstuck" {
		t.Fatalf("response %q, %v", r.body, r.err)
	}
	for {
		conns, _, _ := c.Conns(ctx, 0)
		owned := false
		for _, cn := range conns {
			owned = owned || cn.Task != 0 || cn.Request != 0
		}
		if !owned {
			break
		}
		if ctx.Err() != nil {
			t.Fatalf("a connection still owned by a task after the request: %+v", conns)
		}
		time.Sleep(time.Millisecond)
	}
	if ts, ok := lookupFinished(c, req.ID); !ok || ts.State != "done" {
		t.Errorf("the request task is not among the finished: %+v", ts)
	}
}

func lookupFinished(c *console.Console, id uint64) (console.Task, bool) {
	for _, ts := range c.Snapshot().Finished {
		if ts.ID == id {
			return ts, true
		}
	}
	return console.Task{}, false
}
