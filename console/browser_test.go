package console_test

import (
	"cmp"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/shio-rt/shio/console"
	"github.com/shio-rt/shio/ctxsync"
	"github.com/shio-rt/shio/http1"
	"github.com/shio-rt/shio/internal/cdp"
	"github.com/shio-rt/shio/task"
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
	if p := cdp.Find(); p != "" {
		return p
	}
	t.Skip("no Chromium (Debian package chromium; .ci/run installs it): the page was not loaded in a browser")
	return ""
}

// TestBrowserShowsTheConsole loads the console in headless Chromium, driven
// over the DevTools protocol, while the program holds 1,000 parked tasks, a
// held lock with three waiters and an HTTP server with 5,000 idle
// connections (their clients in a child process). It checks what each view
// shows, that a stuck Handler is found from its connection, that the page
// updates, that every update takes under 100 ms of the page thread's CPU
// time (from a DevTools trace, asserted whatever the load) and under 100 ms
// of wall time in one of four loads of the page (logged, not asserted, on a
// machine loaded past twice its CPUs), and that the browser reported no
// error. SHIO_CONSOLE_SCREENSHOT=path saves screenshots; SHIO_CONSOLE_TASKS
// and SHIO_CONSOLE_CONNS change the counts (the connections take one
// descriptor each here: as many as the descriptor limit allows, less 200).
func TestBrowserShowsTheConsole(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: the browser test holds 5,000 connections")
	}
	bin := chromium(t)
	tasks, conns := envInt(t, "SHIO_CONSOLE_TASKS", 1000), envInt(t, "SHIO_CONSOLE_CONNS", 5000)

	// GET /stuck waits on a lock the test holds: a stuck Handler.
	var stuck ctxsync.Mutex
	stuck.Lock(context.Background())
	t.Cleanup(stuck.Unlock)
	srv, url := startServerWith(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/stuck" {
			if stuck.Lock(r.Context()) == nil {
				stuck.Unlock()
			}
		}
		io.WriteString(w, "hello")
	}))
	addr := strings.TrimPrefix(url, "http://")
	if budget := connBudget(); conns > budget {
		// 20,000 connections and this process's other descriptors do not
		// fit under a limit of 20,000: as many as fit, all real sockets.
		t.Logf("holding %d connections, not %d: this process may open %d descriptors", budget, conns, budget+200)
		conns = budget
	}
	holdConns(t, addr, conns) // the clients, in a process of their own
	for deadline := time.Now().Add(20 * time.Second); srv.Stats().Open < int64(conns); {
		if time.Now().After(deadline) {
			t.Fatalf("server holds %d of %d connections after 20s", srv.Stats().Open, conns)
		}
		time.Sleep(10 * time.Millisecond) // polling with a deadline
	}
	parked(t, "browser-task", tasks)
	heldLock(t, 3)

	c := console.New(console.Config{Servers: map[string]*http1.Server{"web": srv}, Interval: 200 * time.Millisecond, MaxTasks: tasks + 100})
	hs := httptest.NewServer(c)
	defer hs.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	br, err := cdp.Start(ctx, bin, t.TempDir(), "--window-size=1400,900")
	if err != nil {
		t.Fatalf("Chromium: %v", err)
	}
	defer br.Close()
	pageWS, err := br.PageURL(ctx)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := cdp.Dial(pageWS)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	b := cdp.NewClient(conn)
	if err := b.Enable(); err != nil {
		t.Fatal(err)
	}
	// The updates are timed by the page (wall time, from its own clock) and
	// in a trace (the CPU time of the page's thread, which a loaded machine
	// does not inflate).
	if err := b.StartTrace("devtools.timeline"); err != nil {
		t.Fatal(err)
	}
	if err := b.Navigate(hs.URL + "/#tasks"); err != nil {
		t.Fatal(err)
	}

	type state struct {
		Updates int    `json:"updates"`
		Rows    int    `json:"rows"`
		Drawn   int    `json:"drawn"`
		Count   string `json:"count"`
		Status  string `json:"status"`
		Ms      string `json:"ms"`
	}
	const probe = `({updates: +(document.body && document.body.dataset.updates || 0),
		rows: +((document.getElementById("tasks")||{dataset:{}}).dataset.rows || 0),
		drawn: document.querySelectorAll("#tasks tr[data-id]").length,
		count: (document.getElementById("count")||{}).textContent || "",
		status: (document.getElementById("status")||{}).textContent || "",
		ms: document.body && document.body.dataset.renderMs || ""})`
	var st state
	for deadline := time.Now().Add(30 * time.Second); ; {
		if err := b.Eval(probe, &st); err != nil {
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
	// Every task matches; the table is virtualised, so only the rows in
	// view (and a margin) are drawn.
	live := tasks + 4 // and the lock's holder and waiters
	if st.Rows != live || !strings.Contains(st.Count, strconv.Itoa(live)+" live") || st.Drawn < 20 || st.Drawn > 200 {
		t.Errorf("the task table has %d rows (%d drawn) and says %q, want %d rows, 20 to 200 drawn: %+v", st.Rows, st.Drawn, st.Count, live, st)
	}
	var named int
	if err := b.Eval(`[...document.querySelectorAll("#tasks tr[data-id]")].filter(tr => tr.children[2].textContent == "browser-task" && tr.children[3].textContent == "waiting").length`, &named); err != nil {
		t.Fatal(err)
	}
	if named != st.Drawn {
		t.Errorf("%d of %d drawn rows show a waiting browser-task", named, st.Drawn)
	}
	// Scrolled to the end, the page draws the last rows: the row height it
	// assumes is the real one.
	var end struct {
		Last        int
		Height, Row float64
		Visible     bool
	}
	if err := b.Eval(`(async () => { const vs = document.getElementById("vs-tasks"); vs.scrollTop = vs.scrollHeight;
		await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
		const rs = [...document.querySelectorAll("#tasks tr[data-id]")], r = rs[rs.length-1];
		const lastRow = r.getBoundingClientRect(), box = vs.getBoundingClientRect();
		return {Last: +r.dataset.id, Height: rs[0].getBoundingClientRect().height, Row: ROW, Visible: lastRow.bottom <= box.bottom + 1} })()`, &end); err != nil {
		t.Fatal(err)
	}
	if maxID := maxTaskID(t, b); end.Last != maxID || end.Height != end.Row || !end.Visible {
		t.Errorf("scrolled to the end, the last row drawn is task %d (want %d, visible: %v), rows %.2fpx high (the page assumes %.2f)", end.Last, maxID, end.Visible, end.Height, end.Row)
	}
	if !regexp.MustCompile(`render \d+ ms`).MatchString(st.Status) {
		t.Fatalf("status %q has no render time", st.Status)
	}
	// Each update (the first, cold one included) is parsed, rendered and
	// laid out in under 100 ms. On a loaded shared machine a slow update
	// happens: the bound must hold for the first three updates of at least
	// one of four loads of the page (asserted unless the load average is
	// above twice the CPUs; then the miss is logged).
	ms := renderTimes(t, st.Ms)
	var parts string
	b.Eval(`document.body.dataset.parts`, &parts)
	t.Logf("parse+render+layout: %s", parts)
	t.Logf("%d updates of %d live tasks and %d connections: parse+render+layout %v ms (the first is cold)", st.Updates, tasks, conns, ms)

	// The resources view: the tasks wait on one channel.
	var waiters int
	if err := b.Eval(`document.querySelector('button[data-t="resources"]').click(),
		[...document.querySelectorAll("#resources tr")].slice(1).filter(tr => tr.children[0].textContent == "mpsc.recv").reduce((a, tr) => Math.max(a, +tr.children[2].textContent), 0)`, &waiters); err != nil {
		t.Fatal(err)
	}
	if waiters != tasks {
		t.Errorf("the resources view shows %d receivers on the channel, want %d", waiters, tasks)
	}

	// The locks view: the held lock, its holder and its three waiters.
	var lock struct{ Holder, Waiters string }
	if err := b.Eval(`document.querySelector('button[data-t="locks"]').click(),
		(r => ({Holder: r.children[2].textContent, Waiters: r.children[5].textContent}))([...document.querySelectorAll("#locks tr")].find(tr => tr.children[2].textContent.includes("lock-holder")) || {children: [{}, {}, {textContent: ""}, {}, {}, {textContent: ""}]})`, &lock); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(lock.Holder, "lock-holder") || lock.Waiters != "3" {
		t.Errorf("the locks view shows holder %q with %q waiters, want lock-holder with 3", lock.Holder, lock.Waiters)
	}
	// The channels view: the channel the tasks wait on, with its receivers.
	var blocked int
	if err := b.Eval(`document.querySelector('button[data-t="channels"]').click(),
		[...document.querySelectorAll("#view table tr")].slice(1).filter(tr => tr.children[0].textContent == "mpsc").reduce((a, tr) => Math.max(a, +tr.children[5].textContent), 0)`, &blocked); err != nil {
		t.Fatal(err)
	}
	if blocked != tasks {
		t.Errorf("the channels view shows %d blocked receivers, want %d", blocked, tasks)
	}

	// The connections view, fetched when opened: every connection is
	// counted, the oldest 1,000 listed, idle after no request.
	var cv struct {
		Count             string
		Rows, Drawn, Idle int
	}
	t0 := time.Now()
	defer func() { t.Logf("the connections view took %v", time.Since(t0)) }()
	if err := b.Eval(`(async () => { document.querySelector('button[data-t="connections"]').click();
		for (let i = 0; i < 200 && !document.getElementById("connscount"); i++) await new Promise(r => setTimeout(r, 50));
		const rows = [...document.querySelectorAll("#conns tbody tr")].filter(tr => tr.children.length > 1);
		return {Count: (document.getElementById("connscount")||{}).textContent || "", Rows: +document.getElementById("conns").dataset.rows, Drawn: rows.length,
			Idle: rows.filter(tr => tr.children[4].textContent == "idle" && tr.children[3].textContent == "open").length} })()`, &cv); err != nil {
		t.Fatal(err)
	}
	connsMs, connsParts := waitTimed(t, b, "conns", 3)
	t.Logf("%d updates of the connections view (%d connections): parse+render+layout %v ms; size:parse+render+layout %s", len(connsMs), conns, connsMs, connsParts)
	if !strings.HasPrefix(cv.Count, strconv.Itoa(conns)+" connections") || cv.Rows != min(conns, 20000) || cv.Drawn < 20 || cv.Idle != cv.Drawn {
		t.Errorf("the connections view says %q with %d rows (%d drawn, %d open and idle), want %d connections, all idle", cv.Count, cv.Rows, cv.Drawn, cv.Idle, conns)
	}

	// The loops view: the connections, summed over the loops.
	var open int
	if err := b.Eval(`document.querySelector('button[data-t="loops"]').click(),
		[...document.querySelectorAll("#view table tr")].slice(1).reduce((a, tr) => a + +tr.children[2].textContent, 0)`, &open); err != nil {
		t.Fatal(err)
	}
	if open != conns {
		var dbg string
		b.Eval(`JSON.stringify(snap.loops).slice(0,300)+" | "+document.getElementById("view").innerHTML.slice(0,400)`, &dbg)
		t.Errorf("the loops view shows %d connections, want %d: %s", open, conns, dbg)
	}
	// A stuck Handler, found from its connection: the connections view
	// shows it running with its task, which links to the task's detail in
	// the tasks view (waiting on the mutex, with its connection).
	sc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer sc.Close()
	io.WriteString(sc, "GET /stuck HTTP/1.1\r\nHost: x\r\n\r\n")
	var found struct{ Task, Detail string }
	if err := b.Eval(`(async () => {
		for (let i = 0; i < 200; i++) {
			document.querySelector('button[data-t="connections"]').click();
			const vs = document.getElementById("vs-conns");
			if (vs) { vs.scrollTop = vs.scrollHeight; vdraw("conns"); }
			const a = document.querySelector("#conns a[data-task]");
			if (a) {
				a.click();
				for (let j = 0; j < 100 && !/request age/.test(document.getElementById("detail").textContent); j++) await new Promise(r => setTimeout(r, 50));
				return {Task: a.dataset.task, Detail: document.getElementById("detail").textContent};
			}
			await new Promise(r => setTimeout(r, 100));
		}
		return {Task: "", Detail: ""} })()`, &found); err != nil {
		t.Fatal(err)
	}
	if found.Task == "" || !strings.Contains(found.Detail, "task "+found.Task+" http1.request") || !strings.Contains(found.Detail, `"wait_kind": "mutex"`) ||
		!strings.Contains(found.Detail, "connection: web "+sc.LocalAddr().String()+", running, request age") {
		t.Errorf("the stuck request's connection links to task %q, whose detail reads:\n%s", found.Task, found.Detail)
	}
	// The stuck request's task is drawn, selected, in the task table.
	var sel string
	if err := b.Eval(`(document.querySelector("#tasks tr.sel")||{dataset:{}}).dataset.id || ""`, &sel); err != nil {
		t.Fatal(err)
	}
	if sel != found.Task {
		t.Errorf("the task table shows task %q selected, want the request's task %s", sel, found.Task)
	}
	// Its stack, on request: the Handler waiting on the mutex.
	var stack string
	if err := b.Eval(`(async () => { document.getElementById("stackbtn").click();
		for (let i = 0; i < 200 && !/goroutine/.test(document.getElementById("stack").textContent); i++) await new Promise(r => setTimeout(r, 50));
		return document.getElementById("stack").textContent })()`, &stack); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stack, "ctxsync.(*Mutex).Lock") || !strings.Contains(stack, "TestBrowserShowsTheConsole") {
		t.Errorf("the request task's stack does not show its Handler waiting on the mutex:\n%s", stack)
	}
	if path := os.Getenv("SHIO_CONSOLE_SCREENSHOT"); path != "" {
		// The request's task and its detail, then the connections view
		// scrolled to the stuck request (path with "-conns" before the
		// extension).
		screenshot(t, b, path)
		if err := b.Eval(`(async () => { const n = +(document.body.dataset.connsUpdates || 0);
			document.querySelector('button[data-t="connections"]').click();
			for (let i = 0; i < 100 && +(document.body.dataset.connsUpdates || 0) == n; i++) await new Promise(r => setTimeout(r, 50)); // fresh
			const vs = document.getElementById("vs-conns"); vs.scrollTop = vs.scrollHeight; vdraw("conns");
			await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r))); return 1 })()`, new(int)); err != nil {
			t.Fatal(err)
		}
		ext := filepath.Ext(path)
		screenshot(t, b, strings.TrimSuffix(path, ext)+"-conns"+ext)
	}
	// Last, as reloads take time (the server may close the idle
	// connections meanwhile): the wall time of each update under 100 ms in
	// one load of the page at least, of the tasks view (the first, cold,
	// update included) and of the connections view.
	wallBound(t, b, "tasks", "", ms)
	wallBound(t, b, "connections", "conns", connsMs)

	// The CPU time of every update, in every view and every load, under
	// 100 ms: the bound is the page's, asserted whatever the load.
	evs, err := b.EndTrace()
	if err != nil {
		t.Fatal(err)
	}
	for _, fn := range []string{"onSnapshot", "onConns"} {
		wall, cpu := callTimes(evs, fn)
		t.Logf("%s (the trace): %d calls; wall ms %.0f; CPU ms %.0f", fn, len(wall), wall, cpu)
		if len(cpu) < 3 {
			t.Errorf("the trace has %d calls of the page's %s, want 3 or more", len(cpu), fn)
		}
		for i, c := range cpu {
			if c <= 0 {
				t.Errorf("%s call %d has no thread time in the trace: the CPU bound cannot be checked", fn, i)
				break
			}
			if c >= 100 {
				t.Errorf("%s call %d took %.0f ms of CPU time (wall %.0f ms), the bound is 100 ms: %.0f", fn, i, c, wall[i], cpu)
			}
		}
	}
	if len(b.Errors) > 0 {
		t.Errorf("the browser reported errors:\n%s", strings.Join(b.Errors, "\n"))
	}
}

// screenshot saves the page as a PNG file.
func screenshot(t *testing.T, b *cdp.Client, path string) {
	t.Helper()
	res, err := b.Call("Page.captureScreenshot", map[string]any{"format": "png"})
	if err != nil {
		t.Fatal(err)
	}
	var shot struct{ Data string }
	if err := json.Unmarshal(res, &shot); err != nil {
		t.Fatal(err)
	}
	png, err := base64.StdEncoding.DecodeString(shot.Data)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
}

// renderTimes parses the page's list of update times (milliseconds, comma
// separated).
func renderTimes(t *testing.T, s string) []int {
	t.Helper()
	var ms []int
	for f := range strings.SplitSeq(s, ",") {
		n, err := strconv.Atoi(f)
		if err != nil {
			t.Fatalf("render times %q: %v", s, err)
		}
		ms = append(ms, n)
	}
	return ms
}

// waitUpdates waits (polling, with a deadline) until the page has had n
// live updates since it loaded, and returns their render times.
func waitUpdates(t *testing.T, b *cdp.Client, n int) []int {
	ms, _ := waitTimed(t, b, "", n)
	return ms
}

// waitTimed waits (polling, with a deadline) until the page has timed n
// updates of a kind since it loaded ("" the live updates, "conns" the
// connections fetched by their view), and returns their times (parse,
// render and layout, in ms) and the parts of each (size, then parse,
// render and layout times).
func waitTimed(t *testing.T, b *cdp.Client, kind string, n int) ([]int, string) {
	t.Helper()
	var st struct {
		Updates int    `json:"updates"`
		Ms      string `json:"ms"`
		Parts   string `json:"parts"`
	}
	k := func(s string) string {
		if kind == "" {
			return s
		}
		return kind + strings.ToUpper(s[:1]) + s[1:]
	}
	expr := fmt.Sprintf(`(ds => ({updates: +(ds[%q] || 0), ms: ds[%q] || "", parts: ds[%q] || ""}))(document.body ? document.body.dataset : {})`, k("updates"), k("renderMs"), k("parts"))
	for deadline := time.Now().Add(30 * time.Second); ; {
		if err := b.Eval(expr, &st); err != nil {
			t.Fatal(err)
		}
		if st.Updates >= n {
			return renderTimes(t, st.Ms), st.Parts
		}
		if time.Now().After(deadline) {
			t.Fatalf("the page timed %d %q updates in 30s", st.Updates, kind)
		}
		time.Sleep(50 * time.Millisecond) // polling the page, with a deadline
	}
}

// wallBound checks that the updates of kind ("" the live updates, "conns"
// the connections) of one load of the page in view took under 100 ms of
// wall time each, reloading the page up to three times; ms are the times
// of the current load. A shared machine has slow moments: the bound must
// hold in one load of four, and is not asserted (the miss is logged) on a
// machine whose load average is above twice its CPUs, where wall time
// measures the machine more than the page (the CPU bound is asserted
// apart, from the trace).
func wallBound(t *testing.T, b *cdp.Client, view, kind string, ms []int) {
	t.Helper()
	for try := 1; slices.Max(ms) >= 100; try++ {
		if try > 3 {
			if load := loadPerCPU(); load > 2 {
				t.Logf("MISSED (not asserted: load average %.1f per CPU): in 4 loads of the %s view, one update or more took 100 ms or longer each time (the last: %v ms)", load, view, ms)
			} else {
				t.Errorf("in 4 loads of the %s view, one update or more took 100 ms or longer each time (the last: %v ms; load average %.1f per CPU)", view, ms, load)
			}
			return
		}
		var origin float64
		if err := b.Eval(`performance.timeOrigin`, &origin); err != nil {
			t.Fatal(err)
		}
		if err := b.Eval(`history.replaceState(null, "", "#`+view+`"), location.reload(), 1`, new(int)); err != nil {
			t.Fatal(err)
		}
		for deadline := time.Now().Add(30 * time.Second); ; { // until the new document runs
			var o float64
			if err := b.Eval(`performance.timeOrigin`, &o); err == nil && o != origin {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("the page did not reload in 30s")
			}
			time.Sleep(50 * time.Millisecond) // polling the page, with a deadline
		}
		n := 3
		if kind != "" {
			n = 2 // a second apart
		}
		ms, _ = waitTimed(t, b, kind, n)
		t.Logf("%s view, after reload %d: %v ms", view, try, ms)
	}
}

// callTimes returns the wall and CPU (thread) times in ms, rounded, of the
// calls of the page's function fn in a trace, in their order.
func callTimes(evs []cdp.TraceEvent, fn string) (wall, cpu []float64) {
	slices.SortFunc(evs, func(a, b cdp.TraceEvent) int { return cmp.Compare(a.Ts, b.Ts) })
	want := `"functionName":"` + fn + `"`
	for _, e := range evs {
		if e.Name == "FunctionCall" && e.Ph == "X" && strings.Contains(string(e.Args), want) {
			wall = append(wall, e.Dur/1000)
			cpu = append(cpu, e.TDur/1000)
		}
	}
	return wall, cpu
}

// maxTaskID returns the largest task ID the page has.
func maxTaskID(t *testing.T, b *cdp.Client) int {
	t.Helper()
	var id int
	if err := b.Eval(`Math.max(...snap.tasks[0])`, &id); err != nil {
		t.Fatal(err)
	}
	return id
}

// heldLock has a task hold a ctxsync.Mutex with n tasks waiting for it,
// until cleanup.
func heldLock(t *testing.T, n int) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var mu ctxsync.Mutex
	locked := make(chan struct{})
	holder := task.SpawnNamed(ctx, "lock-holder", func(ctx context.Context) (int, error) {
		mu.Lock(ctx)
		defer mu.Unlock()
		close(locked)
		<-ctx.Done()
		return 0, nil
	})
	<-locked
	var hs []*task.Handle[int]
	for range n {
		hs = append(hs, task.SpawnNamed(ctx, "lock-waiter", func(ctx context.Context) (int, error) {
			return 0, mu.Lock(ctx)
		}))
	}
	t.Cleanup(func() {
		cancel()
		holder.Join(context.Background())
		for _, h := range hs {
			h.Join(context.Background())
		}
	})
}

// loadPerCPU returns the one-minute load average per CPU (0 where unknown).
func loadPerCPU() float64 {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return 0
	}
	f, _, _ := strings.Cut(string(b), " ")
	l, err := strconv.ParseFloat(f, 64)
	if err != nil {
		return 0
	}
	return l / float64(runtime.NumCPU())
}
