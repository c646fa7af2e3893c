package console

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"net/http"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/shio-rt/shio/http1"
	"github.com/shio-rt/shio/internal/obs"
	"github.com/shio-rt/shio/reactor"
)

// Config configures a [Console]. The zero value shows the tasks and the
// task metrics only.
type Config struct {
	// Servers are the HTTP servers whose counters and event loops are
	// shown and exported, by name (the "server" label).
	Servers map[string]*http1.Server
	// Reactors are further reactors whose loops are shown and exported, by
	// name (the "server" label).
	Reactors map[string]*reactor.Reactor
	// Interval is the time between live updates of the page. Zero means
	// one second; it cannot be below 100ms.
	Interval time.Duration
	// MaxTasks bounds the live tasks sent in one update (the oldest first);
	// the page says how many were left out. Zero means 10,000.
	MaxTasks int
	// MaxResources bounds the locks and the channels sent in one update
	// (those with the most waiters first). Zero means 1,000.
	MaxResources int
}

// A Console serves the live console and the metrics. It holds the servers
// and reactors of its Config (the program owns them) and nothing else: the
// tasks come from the collector. Its methods are safe for concurrent use.
type Console struct {
	cfg   Config
	watch watchState
}

// New returns a Console for cfg.
func New(cfg Config) *Console {
	if cfg.Interval == 0 {
		cfg.Interval = time.Second
	}
	cfg.Interval = max(cfg.Interval, 100*time.Millisecond)
	if cfg.MaxTasks <= 0 {
		cfg.MaxTasks = 10_000
	}
	if cfg.MaxResources <= 0 {
		cfg.MaxResources = 1000
	}
	return &Console{cfg: cfg}
}

//go:embed page.html
var page []byte

// ServeHTTP serves the console under whatever prefix it is mounted at
// (strip the prefix with http.StripPrefix): "/" the page, "/events" the live
// updates (Server-Sent Events, one "snapshot" event per Interval),
// "/snapshot" one update as JSON, "/stack?id=N" the goroutine stack of task N
// (Full level), "/conns?max=N" the connections (see [Console.Conns]) as
// JSON ("&cols=1": as columns, as the page fetches them; "/conns?task=ID"
// the one whose running request is task ID), "/metrics" the Prometheus
// metrics.
func (c *Console) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	switch strings.TrimPrefix(r.URL.Path, "/") {
	case "", "index.html":
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Content-Security-Policy", "default-src 'self'; img-src data:; script-src 'unsafe-inline'; style-src 'unsafe-inline'")
		w.Write(page)
	case "events":
		c.serveEvents(w, r)
	case "snapshot":
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(c.Snapshot())
	case "stack":
		c.serveStack(w, r)
	case "conns":
		c.serveConns(w, r)
	case "metrics":
		c.Metrics().ServeHTTP(w, r)
	default:
		http.NotFound(w, r)
	}
}

// Snapshot is one update of the console: everything the page shows.
type Snapshot struct {
	// Now is the collector's clock when the snapshot was taken: the times
	// of the tasks are readings of the same clock (subtract them from Now).
	Now        int64            `json:"now"`
	Level      string           `json:"level"`
	Tasks      []Task           `json:"tasks"`   // live tasks (Full level)
	Omitted    int              `json:"omitted"` // live tasks past MaxTasks
	Finished   []Task           `json:"finished"`
	Groups     []Group          `json:"groups"`
	Servers    []serverSnapshot `json:"servers"`
	Loops      []loopSnapshot   `json:"loops"`
	Locks      []Lock           `json:"locks"`                 // Full level; at most MaxResources
	Chans      []Chan           `json:"chans"`                 // Full level; at most MaxResources
	ResOmitted int              `json:"res_omitted,omitempty"` // locks and channels past MaxResources
	Stuck      []Report         `json:"stuck"`
}

type serverSnapshot struct {
	Name  string      `json:"name"`
	Stats http1.Stats `json:"stats"`
}

type loopSnapshot struct {
	Server string `json:"server"`
	Loop   int    `json:"loop"`
	reactor.LoopStats
}

// finishedShown is the number of finished tasks sent in an update.
const finishedShown = 200

// Snapshot takes one update.
func (c *Console) Snapshot() Snapshot {
	s := Snapshot{Now: obs.Now(), Level: obs.Current().String(), Groups: obs.Groups(),
		Servers: c.servers(), Loops: c.loops(), Stuck: c.Stuck()}
	s.Tasks = obs.Live()
	s.Locks = obs.Locks(s.Tasks)
	s.Chans = obs.Chans()
	s.Locks, s.Chans, s.ResOmitted = c.trimResources(s.Now, s.Locks, s.Chans)
	slices.SortFunc(s.Tasks, func(a, b obs.TaskSnapshot) int { return cmpU64(a.ID, b.ID) })
	if len(s.Tasks) > c.cfg.MaxTasks {
		s.Omitted = len(s.Tasks) - c.cfg.MaxTasks
		s.Tasks = s.Tasks[:c.cfg.MaxTasks]
	}
	s.Finished = obs.Finished()
	s.Finished = s.Finished[max(len(s.Finished)-finishedShown, 0):]
	return s
}

// trimResources orders the locks (most waiters, then longest held, first)
// and the channels (most blocked callers, then fullest, first), and keeps at
// most MaxResources of each.
func (c *Console) trimResources(now int64, ls []Lock, cs []Chan) ([]Lock, []Chan, int) {
	held := func(l Lock) int64 {
		if l.HeldSince == 0 {
			return -1
		}
		return now - l.HeldSince
	}
	slices.SortFunc(ls, func(a, b Lock) int {
		if len(a.Waiters) != len(b.Waiters) {
			return len(b.Waiters) - len(a.Waiters)
		}
		if ha, hb := held(a), held(b); ha != hb {
			return cmpInt64(hb, ha)
		}
		return cmpU64(a.Addr, b.Addr)
	})
	slices.SortFunc(cs, func(a, b Chan) int {
		if wa, wb := a.Senders+a.Receivers, b.Senders+b.Receivers; wa != wb {
			return wb - wa
		}
		if a.Len != b.Len {
			return b.Len - a.Len
		}
		return cmpU64(a.Addr, b.Addr)
	})
	omitted := max(len(ls)-c.cfg.MaxResources, 0) + max(len(cs)-c.cfg.MaxResources, 0)
	return ls[:min(len(ls), c.cfg.MaxResources)], cs[:min(len(cs), c.cfg.MaxResources)], omitted
}

func cmpInt64(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func cmpU64(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func (c *Console) servers() []serverSnapshot {
	var out []serverSnapshot
	for name, s := range c.cfg.Servers {
		out = append(out, serverSnapshot{Name: name, Stats: s.Stats()})
	}
	slices.SortFunc(out, func(a, b serverSnapshot) int { return strings.Compare(a.Name, b.Name) })
	return out
}

func (c *Console) loops() []loopSnapshot {
	var out []loopSnapshot
	for name, s := range c.cfg.Servers {
		for i, l := range s.LoopStats() {
			out = append(out, loopSnapshot{Server: name, Loop: i, LoopStats: l})
		}
	}
	for name, r := range c.cfg.Reactors {
		for i, l := range r.LoopStats() {
			out = append(out, loopSnapshot{Server: name, Loop: i, LoopStats: l})
		}
	}
	slices.SortFunc(out, func(a, b loopSnapshot) int {
		if c := strings.Compare(a.Server, b.Server); c != 0 {
			return c
		}
		return a.Loop - b.Loop
	})
	return out
}

// eventSnapshot is a Snapshot as the page's live updates carry it: the
// tasks as columns of numbers, their strings (name, state, wait kind, spawn
// site: few distinct values shared by many tasks) sent once each in Strs
// and named by their index. With thousands of tasks that is less than half
// the JSON of the objects, and a browser parses 13 arrays of numbers much
// faster than thousands of small arrays or objects; the page makes an
// object only for the rows it draws. The columns are
//
//	[id, parent, name, state, wait_kind, wait_on, wait_since, spawned,
//	 first_run, run_since, finished, flags (1 scoped, 2 panicked,
//	 4 request), site]
type eventSnapshot struct {
	Snapshot
	// The arrays of tasks are spliced in by writeTo, not encoded (the
	// encoder would validate and copy them again); these fields shadow
	// Snapshot's and are always nil.
	Tasks    *int     `json:"tasks,omitempty"`
	Finished *int     `json:"finished,omitempty"`
	Strs     []string `json:"strs"`

	tasks, finished []byte
}

// writeTo appends the event's JSON and a newline to buf.
func (e *eventSnapshot) writeTo(buf *bytes.Buffer) {
	start := buf.Len()
	json.NewEncoder(buf).Encode(e) // {...}\n
	buf.Truncate(buf.Len() - 2)    // drop "}\n"
	if buf.Len() > start+1 {
		buf.WriteByte(',')
	}
	buf.WriteString(`"tasks":`)
	buf.Write(e.tasks)
	buf.WriteString(`,"finished":`)
	buf.Write(e.finished)
	buf.WriteString("}\n")
}

// taskColumns is the number of columns of the tasks in an eventSnapshot.
const taskColumns = 13

// taskColumn appends column col of t (see eventSnapshot); str appends the
// index of a string.
func taskColumn(b []byte, t *Task, col int, str func([]byte, string) []byte) []byte {
	switch col {
	case 0:
		return strconv.AppendUint(b, t.ID, 10)
	case 1:
		return strconv.AppendUint(b, t.Parent, 10)
	case 2:
		return str(b, t.Name)
	case 3:
		return str(b, t.State)
	case 4:
		return str(b, t.WaitKind)
	case 5:
		return strconv.AppendUint(b, t.WaitOn, 10)
	case 6:
		return strconv.AppendInt(b, t.WaitSince, 10)
	case 7:
		return strconv.AppendInt(b, t.Spawned, 10)
	case 8:
		return strconv.AppendInt(b, t.FirstRun, 10)
	case 9:
		return strconv.AppendInt(b, t.RunSince, 10)
	case 10:
		return strconv.AppendInt(b, t.Finished, 10)
	case 11:
		flags := 0
		if t.Scoped {
			flags |= 1
		}
		if t.Panicked {
			flags |= 2
		}
		if t.Request {
			flags |= 4
		}
		return strconv.AppendInt(b, int64(flags), 10)
	}
	return str(b, t.Site)
}

// strTable interns the strings of a columnar encoding: a string is sent
// once, in strs, and its cells hold its index there.
type strTable struct {
	strs  []string
	index map[string]int
}

// appendIndex appends v's index in t, adding v if it is new.
func (t *strTable) appendIndex(b []byte, v string) []byte {
	i, ok := t.index[v]
	if !ok {
		i = len(t.strs)
		t.index[v] = i
		t.strs = append(t.strs, v)
	}
	return strconv.AppendInt(b, int64(i), 10)
}

// appendColumns appends rows×cols cells as a JSON array of cols arrays,
// cell appending the value of one.
func appendColumns(b []byte, cols, rows int, cell func(b []byte, row, col int) []byte) []byte {
	b = append(b, '[')
	for col := range cols {
		if col > 0 {
			b = append(b, ',')
		}
		b = append(b, '[')
		for i := range rows {
			if i > 0 {
				b = append(b, ',')
			}
			b = cell(b, i, col)
		}
		b = append(b, ']')
	}
	return append(b, ']')
}

func compact(s Snapshot) eventSnapshot {
	t := strTable{strs: []string{""}, index: map[string]int{"": 0}}
	conv := func(ts []Task) []byte {
		return appendColumns(make([]byte, 0, 64*len(ts)+64), taskColumns, len(ts), func(b []byte, i, col int) []byte {
			return taskColumn(b, &ts[i], col, t.appendIndex)
		})
	}
	e := eventSnapshot{Snapshot: s}
	e.tasks, e.finished = conv(s.Tasks), conv(s.Finished)
	e.Strs = t.strs
	return e
}

// serveEvents streams a snapshot every Interval until the client goes away.
func (c *Console) serveEvents(w http.ResponseWriter, r *http.Request) {
	rc := http.NewResponseController(w)
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	t := time.NewTicker(c.cfg.Interval)
	defer t.Stop()
	var buf bytes.Buffer
	for {
		buf.Reset()
		buf.WriteString("event: snapshot\ndata: ")
		e := compact(c.Snapshot())
		e.writeTo(&buf) // ends with a newline
		buf.WriteString("\n")
		rc.SetWriteDeadline(time.Now().Add(10 * time.Second))
		if _, err := w.Write(buf.Bytes()); err != nil {
			return
		}
		if err := rc.Flush(); err != nil {
			return
		}
		select {
		case <-r.Context().Done():
			return
		case <-t.C:
		}
	}
}

// serveStack writes the goroutine stacks of one task, from a goroutine
// profile filtered by the task's pprof label. Taking the profile stops the
// world briefly (tens of milliseconds with many goroutines): it is done only
// on request, never on a schedule.
func (c *Console) serveStack(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseUint(r.URL.Query().Get("id"), 10, 64)
	if err != nil {
		http.Error(w, "stack: want ?id=<task ID>", http.StatusBadRequest)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	stacks := TaskStacks(id)
	if stacks == "" {
		fmt.Fprintf(w, "no goroutine carries the label shio.task=%d: the task is finished, or was spawned below the Full level\n", id)
		return
	}
	w.Write([]byte(stacks))
}

// TaskStacks returns the stacks, in the format of a goroutine profile at
// debug level 1, of the goroutines labelled with task id: the task's own and
// any goroutine it started with a plain go statement (labels are
// inherited). It returns "" if there is none. It takes a goroutine profile,
// which stops the world briefly.
func TaskStacks(id uint64) string { return stacksOf(goroutineProfile(), id) }

// goroutineProfile returns the goroutine profile at debug level 1.
func goroutineProfile() string {
	var buf bytes.Buffer
	pprof.Lookup("goroutine").WriteTo(&buf, 1)
	return buf.String()
}

// stacksOf returns the records of profile labelled with task id.
func stacksOf(profile string, id uint64) string {
	want := `"shio.task":"` + strconv.FormatUint(id, 10) + `"`
	var out strings.Builder
	for rec := range strings.SplitSeq(profile, "\n\n") {
		if strings.Contains(rec, want) {
			out.WriteString(strings.TrimSpace(rec))
			out.WriteString("\n\n")
		}
	}
	return out.String()
}

// Conn is one connection of a configured server or reactor (see
// [Console.Conns]).
type Conn struct {
	Server string `json:"server"`
	reactor.ConnInfo
}

// Conns describes up to max connections (all if max <= 0) of the configured
// servers and reactors, the oldest first: peer, state, age, idle time,
// bytes in and out, queued output and, for an HTTP server, the phase
// (idle, head, running), the requests carried and, while a request runs,
// its age and (at the Full level) its task, whose ID the tasks view lists. It also returns how many
// connections there are in all. Each event loop describes its own
// connections between two passes.
//
// # Cancellation
//
// If ctx ends first, Conns returns what it has gathered and ctx.Err().
func (c *Console) Conns(ctx context.Context, max int) ([]Conn, int, error) {
	var out []Conn
	var err error
	add := func(name string, infos []reactor.ConnInfo, e error) {
		for _, i := range infos {
			out = append(out, Conn{Server: name, ConnInfo: i})
		}
		if e != nil && err == nil {
			err = e
		}
	}
	for _, name := range sortedKeys(c.cfg.Servers) {
		infos, e := c.cfg.Servers[name].Conns(ctx, 0)
		add(name, infos, e)
	}
	for _, name := range sortedKeys(c.cfg.Reactors) {
		infos, e := c.cfg.Reactors[name].Conns(ctx, 0)
		add(name, infos, e)
	}
	total := len(out)
	slices.SortStableFunc(out, func(a, b Conn) int { return cmpInt64(int64(b.Age), int64(a.Age)) })
	if max > 0 && len(out) > max {
		out = out[:max]
	}
	return out, total, err
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// connColumns encodes conns for the page as columns, as the live updates
// carry the tasks (see eventSnapshot): {"total": T, "error": E, "strs":
// [...], "cols": [...]}, the columns
//
//	[server, loop, remote, state, phase, proto, request_ns, task, age_ns,
//	 idle_ns, bytes_in, bytes_out, queued, requests, dialed (0 or 1)]
//
// where server, state, phase and proto are indexes in strs and remote is
// the peer's address. 20,000 connections are about a third of the JSON of
// the objects, and parse three times faster in a browser.
func connColumns(conns []Conn, total int, errText string) []byte {
	t := strTable{strs: []string{}, index: map[string]int{}}
	const columns = 15
	b := make([]byte, 0, 96*len(conns)+128)
	b = append(b, `"cols":`...)
	b = appendColumns(b, columns, len(conns), func(b []byte, i, col int) []byte {
		c := &conns[i]
		switch col {
		case 0:
			b = t.appendIndex(b, c.Server)
		case 1:
			b = strconv.AppendInt(b, int64(c.Loop), 10)
		case 2:
			r, _ := json.Marshal(c.Remote)
			b = append(b, r...)
		case 3:
			b = t.appendIndex(b, c.State)
		case 4:
			b = t.appendIndex(b, c.Phase)
		case 5:
			b = t.appendIndex(b, c.Proto)
		case 6:
			b = strconv.AppendInt(b, int64(c.Request), 10)
		case 7:
			b = strconv.AppendUint(b, c.Task, 10)
		case 8:
			b = strconv.AppendInt(b, int64(c.Age), 10)
		case 9:
			b = strconv.AppendInt(b, int64(c.Idle), 10)
		case 10:
			b = strconv.AppendInt(b, c.BytesIn, 10)
		case 11:
			b = strconv.AppendInt(b, c.BytesOut, 10)
		case 12:
			b = strconv.AppendInt(b, int64(c.Queued), 10)
		case 13:
			b = strconv.AppendInt(b, c.Requests, 10)
		case 14:
			if c.Dialed {
				b = append(b, '1')
			} else {
				b = append(b, '0')
			}
		}
		return b
	})
	b = append(b, "}\n"...)
	head, _ := json.Marshal(struct {
		Total int      `json:"total"`
		Error string   `json:"error,omitempty"`
		Strs  []string `json:"strs"`
	}{total, errText, t.strs})
	head[len(head)-1] = ','
	return append(head, b...)
}

// serveConns answers /conns?max=N (N defaults to 1,000) with the
// connections as JSON: {"total": T, "conns": [...]}, or as columns with
// &cols=1 (see connColumns); /conns?task=ID with the connection whose
// running request is task ID (none or one).
func (c *Console) serveConns(w http.ResponseWriter, r *http.Request) {
	max, task := 1000, uint64(0)
	q := r.URL.Query()
	if s := q.Get("max"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			http.Error(w, "conns: want ?max=<count>", http.StatusBadRequest)
			return
		}
		max = n
	}
	if s := q.Get("task"); s != "" {
		id, err := strconv.ParseUint(s, 10, 64)
		if err != nil || id == 0 {
			http.Error(w, "conns: want ?task=<task ID>", http.StatusBadRequest)
			return
		}
		max, task = 0, id
	}
	ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
	defer cancel()
	conns, total, err := c.Conns(ctx, max)
	if task != 0 {
		conns = slices.DeleteFunc(conns, func(c Conn) bool { return c.Task != task })
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	if q.Get("cols") == "1" {
		var e string
		if err != nil {
			e = err.Error()
		}
		w.Write(connColumns(conns, total, e))
		return
	}
	resp := struct {
		Total int    `json:"total"`
		Conns []Conn `json:"conns"`
		Error string `json:"error,omitempty"`
	}{Total: total, Conns: conns}
	if err != nil {
		resp.Error = err.Error()
	}
	json.NewEncoder(w).Encode(resp)
}
