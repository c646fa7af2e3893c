package obs

import (
	"context"
	"math"
	"runtime"
	"runtime/pprof"
	"strconv"
	"sync/atomic"
	"unsafe"
)

// State is what a task is doing, as far as shio can see.
type State uint32

// The states of a task.
const (
	Spawned State = iota // started, not yet running
	Running              // running, or blocked outside shio
	Waiting              // parked on a shio resource
	Done                 // finished
)

var stateNames = [...]string{"spawned", "running", "waiting", "done"}

func (s State) String() string {
	if int(s) < len(stateNames) {
		return stateNames[s]
	}
	return "State(" + itoa(uint64(s)) + ")"
}

// Kind is the kind of shio resource a task waits on.
type Kind uint32

// The kinds of resource.
const (
	KindNone Kind = iota
	KindMutex
	KindRWMutex
	KindSemaphore
	KindNotify
	KindSend          // an mpsc send or reserve
	KindRecv          // an mpsc receive
	KindJoin          // another task's end
	KindOneshotRecv   // a oneshot receive
	KindBroadcastRecv // a broadcast receive
	KindWatchChanged  // a watch receiver's wait for a new version
	KindEvent         // a ctxsync.Event's Wait
	KindBarrier       // a ctxsync.Barrier's Wait
	KindScope         // a task.Scope's Wait for its children
)

var kindNames = [...]string{"", "mutex", "rwmutex", "semaphore", "notify", "mpsc.send", "mpsc.recv", "join",
	"oneshot.recv", "broadcast.recv", "watch.changed", "event", "barrier", "scope"}

func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "Kind(" + itoa(uint64(k)) + ")"
}

// siteDepth is the number of program counters kept of a spawn site.
const siteDepth = 6

// SampleEvery is the sampling period of the first-run delay at the Counters
// level: a task is timed if its ID is a multiple of it (as Go's runtime
// samples its own scheduling latencies), which spares the others the two
// clock reads. At the Full level every task is timed.
const SampleEvery = 8

// A Task is the collector's part of a task, meant to be embedded in the
// task's own struct so that recording costs no allocation at the Counters
// level. The zero value records nothing; [Task.Init] turns it on when
// collection is. At the Full level it points to a [record] of its own (in
// the live table, then the ring of finished tasks), which a snapshot reads.
type Task struct {
	// Two words, so that a task carries 16 bytes at every level: below
	// Full, p is the *stripe of its group the task counts in (nil: not
	// recorded) and v is Now at spawn if the task is timed, else 0; at
	// Full, v is fullMark and p the task's *record, which holds both.
	p unsafe.Pointer
	v int64
}

// fullMark in Task.v says that Task.p is a *record.
const fullMark = math.MinInt64

// st returns the stripe t counts in (nil if t does not record).
func (t *Task) st() *stripe {
	if t.v == fullMark {
		return (*record)(t.p).st
	}
	return (*stripe)(t.p)
}

// spawned returns Now at spawn if t is timed, else 0.
func (t *Task) spawned() int64 {
	if t.v == fullMark {
		return (*record)(t.p).spawned
	}
	return t.v
}

// x returns t's record at the Full level, else nil (also for a nil t).
func (t *Task) x() *record {
	if t != nil && t.v == fullMark {
		return (*record)(t.p)
	}
	return nil
}

// record is what the Full level keeps of a task. Its identity is written
// once before the task runs; the rest is written by the task's own
// goroutine (and its wakers) with atomics, and read by snapshots
// concurrently: a snapshot's fields may come from adjacent moments.
type record struct {
	st         *stripe
	ID, Parent uint64
	Name       string
	Scoped     bool    // a child of a task.Scope
	Scope      uintptr // that scope's address (what its Wait parks on)
	Request    bool    // an HTTP request (see [Task.Begin]), not a shio task
	spawned    int64
	site       [siteDepth]uintptr

	state     atomic.Uint32 // a State
	waitKind  atomic.Uint32 // a Kind, while Waiting
	firstRun  atomic.Int64
	runSince  atomic.Int64 // Now when it last started or resumed
	waitOn    atomic.Uintptr
	waitSince atomic.Int64
	finished  atomic.Int64
	panicked  atomic.Bool
	siteName  atomic.Pointer[string] // the spawn site's name, once a snapshot has looked it up
}

// Key is the context key under which a task's context answers with its
// *Task (nil when the task was spawned with collection off).
type Key struct{}

// FromContext returns the record of the task ctx belongs to, or nil.
func FromContext(ctx context.Context) *Task {
	t, _ := ctx.Value(Key{}).(*Task)
	return t
}

// Recorded returns t if it records (collection was on when it was
// initialized) and nil otherwise: what a task's context answers for Key.
func (t *Task) Recorded() *Task {
	if t.p == nil {
		return nil
	}
	return t
}

// ids hands out the IDs of tasks and requests; the first gets 1.
var ids atomic.Uint64

// NewID returns a new task ID, unique for the life of the process: task
// IDs and the IDs of the requests [Task.Begin] records share one space, so
// that a task spawned by a request's Handler names the request as its
// parent.
func NewID() uint64 { return ids.Add(1) }

// Init turns t on for a new task if collection is on; it must be called
// before the task runs, by the spawner. parent is the parent task's ID; if
// it is zero, the task's parent is the recorded request or task ctx belongs
// to, if any (a task spawned by an HTTP Handler is the request's child).
// scope is the task.Scope the task is a child of (a pointer; nil for none).
// skip is the number of the caller's frames to leave out of the spawn site
// (0: the site is Init's caller).
func (t *Task) Init(ctx context.Context, id, parent uint64, name string, scope any, skip int) {
	if level.Load() == int32(Off) {
		return
	}
	t.init(ctx, id, parent, name, scope, skip+1, 0)
}

// Spawn is [Task.Init] on a record of its own, returned; nil if collection
// is off. (A task embeds its Task instead.)
func Spawn(id, parent uint64, name string, scoped bool, skip int) *Task {
	if level.Load() == int32(Off) {
		return nil
	}
	t := new(Task)
	var scope any
	if scoped {
		scope = t // an address of its own
	}
	t.init(nil, id, parent, name, scope, skip+1, 0)
	return t
}

// Begin records a request (an HTTP request served by http1) as a task of
// the given name, with no parent and no spawn site, that arrived at since
// (a reading of Now: the first-run delay is from then to [Task.Start]), in
// t, embedded in the request's own state so that the Counters level costs
// no allocation (at Full, t points to a record of its own, which the ring
// of finished tasks keeps after the request); it reports whether
// collection is on. The caller then calls Start and Finish on t, and makes
// the request's context answer [Key] with t, so that waits and tasks of its
// Handler are recorded as the request's. t must be zero, or a request's
// Task that has finished.
func (t *Task) Begin(name string, since int64) bool {
	if level.Load() == int32(Off) {
		return false // inlined: one atomic load
	}
	t.begin(name, since)
	return true
}

func (t *Task) begin(name string, since int64) {
	*t = Task{}
	t.init(nil, NewID(), 0, name, nil, -1, nonzero(since))
}

// ID returns t's task ID at the Full level, 0 below it (or for nil).
func (t *Task) ID() uint64 {
	if x := t.x(); x != nil {
		return x.ID
	}
	return 0
}

// init records the task; at the Full level a zero parent is the recorded
// task of ctx, if any. skip < 0 records no spawn site (a request), and a
// nonzero since is its arrival, otherwise Now is.
func (t *Task) init(ctx context.Context, id, parent uint64, name string, scope any, skip int, since int64) {
	g := groupOf(name)
	st := &g.stripe[id%stripes]
	st.spawned.Add(1)
	if level.Load() < int32(Full) {
		if id%SampleEvery == 0 {
			if since == 0 {
				since = nonzero(Now())
			}
			t.v = since
		}
		t.p = unsafe.Pointer(st)
		return
	}
	if since == 0 {
		since = nonzero(Now())
	}
	if parent == 0 && ctx != nil {
		parent = FromContext(ctx).ID()
	}
	x := &record{st: st, ID: id, Parent: parent, Name: name, Scoped: scope != nil, Scope: addrOf(scope), Request: skip < 0, spawned: since}
	if skip >= 0 {
		runtime.Callers(skip+2, x.site[:])
	}
	t.p, t.v = unsafe.Pointer(x), fullMark
	live.add(x)
}

// nonzero returns now, or 1 if it is 0 (zero means "not timed").
func nonzero(now int64) int64 {
	if now == 0 {
		return 1
	}
	return now
}

// Start is called by the task's goroutine before the task's function runs.
func (t *Task) Start() {
	spawned := t.spawned()
	if spawned == 0 {
		return
	}
	now := Now()
	st := t.st()
	st.group.FirstRun.Observe(st.idx, since(spawned, now))
	if x := t.x(); x != nil {
		x.firstRun.Store(now)
		x.runSince.Store(now)
		x.state.Store(uint32(Running))
		pprof.SetGoroutineLabels(pprof.WithLabels(context.Background(),
			pprof.Labels("shio.task", strconv.FormatUint(x.ID, 10), "shio.name", x.Name)))
	}
}

// Finish is called by the task's goroutine when the task's function has
// returned or panicked.
func (t *Task) Finish(panicked bool) {
	st := t.st()
	st.finished.Add(1)
	if panicked {
		st.panicked.Add(1)
	}
	if x := t.x(); x != nil {
		if panicked {
			x.panicked.Store(true)
		}
		x.finished.Store(Now())
		x.state.Store(uint32(Done))
		live.remove(x)
		ring.push(x)
		pprof.SetGoroutineLabels(context.Background())
	}
}

// Park records that the task ctx belongs to is about to wait on the
// resource on (a pointer, whose address identifies it; it is not kept) of
// kind k, and returns the task's record for [Task.Resume], or nil
// (collection off, or not a task). Call it only on the slow path, when the
// caller is about to block.
func Park(ctx context.Context, k Kind, on any) *Task {
	if level.Load() == int32(Off) {
		return nil
	}
	return park(ctx, k, addrOf(on))
}

// ParkJoin is [Park] for a task about to wait for the end of task id.
func ParkJoin(ctx context.Context, id uint64) *Task {
	if level.Load() == int32(Off) {
		return nil
	}
	return park(ctx, KindJoin, uintptr(id))
}

func park(ctx context.Context, k Kind, on uintptr) *Task {
	t := FromContext(ctx)
	if t == nil {
		return nil
	}
	t.st().parks.Add(1)
	if x := t.x(); x != nil {
		x.waitKind.Store(uint32(k))
		x.waitOn.Store(on)
		x.waitSince.Store(Now())
		x.state.Store(uint32(Waiting))
	}
	return t
}

// Resume records that the task runs again after a Park. woke is the
// [Stamp] its waker took when it woke the task, or 0 if unknown (a
// cancellation, a closed channel): only a known one feeds the wake-to-resume
// histogram, and only for a timed task (every task at Full, one in
// SampleEvery at Counters). Resume reads the clock only then, or at the Full
// level (where it records since when the task runs).
func (t *Task) Resume(woke int64) {
	x, timed := t.x(), t.spawned() != 0
	if (woke == 0 || !timed) && x == nil {
		return
	}
	now := Now()
	if woke != 0 && timed {
		st := t.st()
		st.group.WakeResume.Observe(st.idx, since(woke, now))
	}
	if x != nil {
		x.runSince.Store(now)
		x.state.Store(uint32(Running))
		x.waitKind.Store(uint32(KindNone))
	}
}
