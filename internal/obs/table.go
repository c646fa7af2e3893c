package obs

import (
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
)

// shards is the number of independently locked parts of the live table.
const shards = 64

// table is the set of live tasks spawned at the Full level, sharded by ID so
// that spawns on different goroutines rarely contend.
type table struct {
	shard [shards]struct {
		mu sync.Mutex // guards m
		m  map[uint64]*record
		_  [40]byte // keep shards on separate cache lines
	}
}

var live table

func (tb *table) add(t *record) {
	s := &tb.shard[t.ID%shards]
	s.mu.Lock()
	if s.m == nil {
		s.m = make(map[uint64]*record)
	}
	s.m[t.ID] = t
	s.mu.Unlock()
}

func (tb *table) remove(t *record) {
	s := &tb.shard[t.ID%shards]
	s.mu.Lock()
	delete(s.m, t.ID)
	s.mu.Unlock()
}

// Live returns a snapshot of every live task spawned at the Full level, in no
// particular order. It holds one shard's lock at a time, so spawns go on.
func Live() []TaskSnapshot {
	out := make([]TaskSnapshot, 0, LiveCount()+64) // room for the spawns meanwhile, most often
	var batch []*record
	for i := range live.shard {
		s := &live.shard[i]
		batch = batch[:0]
		s.mu.Lock()
		for _, t := range s.m {
			batch = append(batch, t)
		}
		s.mu.Unlock()
		for _, t := range batch {
			out = append(out, t.Snapshot())
		}
	}
	return out
}

// LiveCount returns the number of tasks in the live table.
func LiveCount() int {
	n := 0
	for i := range live.shard {
		s := &live.shard[i]
		s.mu.Lock()
		n += len(s.m)
		s.mu.Unlock()
	}
	return n
}

// Lookup returns the snapshot of task id, live or in the ring of finished
// tasks, and whether it was found.
func Lookup(id uint64) (TaskSnapshot, bool) {
	s := &live.shard[id%shards]
	s.mu.Lock()
	t := s.m[id]
	s.mu.Unlock()
	if t != nil {
		return t.Snapshot(), true
	}
	return ring.lookup(id)
}

// RingSize is the number of finished tasks kept for the console.
const RingSize = 4096

// finishedRing keeps the records of the last RingSize tasks to finish. A
// record is copied only when read: finishing costs a pointer store.
type finishedRing struct {
	mu   sync.Mutex // guards the fields below
	buf  []*record
	next int // where the next record goes once buf is full
}

var ring finishedRing

func (r *finishedRing) push(s *record) {
	r.mu.Lock()
	if len(r.buf) < RingSize {
		r.buf = append(r.buf, s)
	} else {
		r.buf[r.next] = s
		r.next = (r.next + 1) % RingSize
	}
	r.mu.Unlock()
}

func (r *finishedRing) lookup(id uint64) (TaskSnapshot, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, t := range r.buf {
		if t.ID == id {
			return t.Snapshot(), true
		}
	}
	return TaskSnapshot{}, false
}

// Finished returns the snapshots of the last tasks to finish (at most
// RingSize), oldest first.
func Finished() []TaskSnapshot {
	r := &ring
	r.mu.Lock()
	ts := make([]*record, 0, len(r.buf))
	ts = append(ts, r.buf[r.next:]...)
	ts = append(ts, r.buf[:r.next]...)
	r.mu.Unlock()
	out := make([]TaskSnapshot, len(ts))
	for i, t := range ts {
		out[i] = t.Snapshot()
	}
	return out
}

// FinishedLen returns the number of finished tasks kept (at most RingSize).
func FinishedLen() int {
	ring.mu.Lock()
	defer ring.mu.Unlock()
	return len(ring.buf)
}

// TaskSnapshot is a copy of a task's record. Times are readings of the
// collector's monotonic clock in nanoseconds, zero when the event has not
// happened; subtract them from a reading taken at the same time (the
// console's Snapshot.Now) to get ages.
type TaskSnapshot struct {
	ID        uint64 `json:"id"`
	Parent    uint64 `json:"parent"`
	Name      string `json:"name"`
	Scoped    bool   `json:"scoped,omitempty"`
	Scope     uint64 `json:"scope,omitempty"`   // a scope child's scope: the address its Wait parks on
	Request   bool   `json:"request,omitempty"` // an HTTP request, not a shio task
	State     string `json:"state"`
	WaitKind  string `json:"wait_kind,omitempty"`
	WaitOn    uint64 `json:"wait_on,omitempty"` // the resource's address; for a join, the task's ID
	WaitSince int64  `json:"wait_since,omitempty"`
	Spawned   int64  `json:"spawned"`
	FirstRun  int64  `json:"first_run,omitempty"`
	RunSince  int64  `json:"run_since,omitempty"` // while running: since it last started or resumed
	Finished  int64  `json:"finished,omitempty"`
	Panicked  bool   `json:"panicked,omitempty"`
	Site      string `json:"site,omitempty"` // function file:line of the spawn
}

// Snapshot copies t's record, which exists at the Full level only (the zero
// TaskSnapshot below it).
func (t *Task) Snapshot() TaskSnapshot {
	x := t.x()
	if x == nil {
		return TaskSnapshot{}
	}
	return x.Snapshot()
}

// Snapshot copies t.
func (t *record) Snapshot() TaskSnapshot {
	st := State(t.state.Load())
	s := TaskSnapshot{
		ID: t.ID, Parent: t.Parent, Name: t.Name, Scoped: t.Scoped, Scope: uint64(t.Scope), Request: t.Request,
		State:    st.String(),
		Spawned:  t.spawned,
		FirstRun: t.firstRun.Load(),
		Finished: t.finished.Load(),
		Panicked: t.panicked.Load(),
		Site:     t.siteString(),
	}
	if st == Running {
		s.RunSince = t.runSince.Load()
	}
	if st == Waiting {
		s.WaitKind = Kind(t.waitKind.Load()).String()
		s.WaitOn = uint64(t.waitOn.Load())
		s.WaitSince = t.waitSince.Load()
	}
	return s
}

// siteString returns the name of t's spawn site, looked up once per task
// (a lookup in the cache boxes the site's program counters: an allocation).
func (t *record) siteString() string {
	if p := t.siteName.Load(); p != nil {
		return *p
	}
	s := cachedSite(&t.site)
	t.siteName.Store(&s)
	return s
}

// sites caches the names of spawn sites (at most maxSites of them), since
// symbolizing costs microseconds and a console asks for thousands of tasks a
// second.
var (
	sites  sync.Map // [siteDepth]uintptr -> string
	nsites atomic.Int64
)

const maxSites = 4096

func cachedSite(site *[siteDepth]uintptr) string {
	if site == nil || site[0] == 0 {
		return ""
	}
	pcs := *site
	if s, ok := sites.Load(pcs); ok {
		return s.(string)
	}
	s := siteOf(pcs[:])
	if nsites.Load() < maxSites {
		if _, loaded := sites.LoadOrStore(pcs, s); !loaded {
			nsites.Add(1)
		}
	}
	return s
}

// siteOf names the first frame of pcs outside shio's task package.
func siteOf(pcs []uintptr) string {
	n := 0
	for n < len(pcs) && pcs[n] != 0 {
		n++
	}
	if n == 0 {
		return ""
	}
	frames := runtime.CallersFrames(pcs[:n])
	var first runtime.Frame
	for {
		f, more := frames.Next()
		if first.PC == 0 {
			first = f
		}
		if !strings.HasPrefix(f.Function, "github.com/shio-rt/shio/task.") {
			return f.Function + " " + f.File + ":" + itoa(uint64(f.Line))
		}
		if !more {
			return first.Function + " " + first.File + ":" + itoa(uint64(first.Line))
		}
	}
}
