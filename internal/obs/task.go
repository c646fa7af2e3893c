package obs

import (
	"context"
	"reflect"
	"runtime"
	"runtime/pprof"
	"strconv"
	"sync/atomic"
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
)

var kindNames = [...]string{"", "mutex", "rwmutex", "semaphore", "notify", "mpsc.send", "mpsc.recv", "join",
	"oneshot.recv", "broadcast.recv", "watch.changed"}

func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "Kind(" + itoa(uint64(k)) + ")"
}

// siteDepth is the number of program counters kept of a spawn site.
const siteDepth = 6

// A Task is the collector's record of one task, made by [Spawn] at the
// Counters level and above. Its identity is written once before the task
// runs; the rest is written by the task's own goroutine (and its wakers) with
// atomics, and read by snapshots concurrently: a snapshot's fields may come
// from adjacent moments.
type Task struct {
	ID, Parent uint64
	Name       string
	Scoped     bool // a child of a task.Scope
	group      *Group
	spawned    int64               // Now at spawn
	site       *[siteDepth]uintptr // the spawn site, at the Full level (nil below): in the live table

	state     atomic.Uint32 // a State
	firstRun  atomic.Int64
	waitKind  atomic.Uint32 // a Kind, while Waiting
	waitOn    atomic.Uintptr
	waitSince atomic.Int64
	finished  atomic.Int64 // at the Full level
	panicked  atomic.Bool
}

// Key is the context key under which a task's context answers with its
// *Task (nil when the task was spawned with collection off).
type Key struct{}

// FromContext returns the record of the task ctx belongs to, or nil.
func FromContext(ctx context.Context) *Task {
	t, _ := ctx.Value(Key{}).(*Task)
	return t
}

// Spawn returns a record for a new task, or nil if collection is off. skip
// is the number of the caller's frames to leave out of the spawn site (0:
// the site is Spawn's caller).
func Spawn(id, parent uint64, name string, scoped bool, skip int) *Task {
	if level.Load() == int32(Off) {
		return nil
	}
	return spawn(id, parent, name, scoped, skip+1)
}

func spawn(id, parent uint64, name string, scoped bool, skip int) *Task {
	t := &Task{ID: id, Parent: parent, Name: name, Scoped: scoped, group: groupOf(name), spawned: Now()}
	t.group.spawned.Add(1)
	if level.Load() >= int32(Full) {
		t.site = new([siteDepth]uintptr)
		runtime.Callers(skip+2, t.site[:])
		live.add(t)
	}
	return t
}

// Start is called by the task's goroutine before the task's function runs.
func (t *Task) Start() {
	now := Now()
	t.firstRun.Store(now)
	t.group.FirstRun.Observe(since(t.spawned, now))
	t.state.Store(uint32(Running))
	if t.site != nil {
		pprof.SetGoroutineLabels(pprof.WithLabels(context.Background(),
			pprof.Labels("shio.task", strconv.FormatUint(t.ID, 10), "shio.name", t.Name)))
	}
}

// Finish is called by the task's goroutine when the task's function has
// returned or panicked.
func (t *Task) Finish(panicked bool) {
	t.state.Store(uint32(Done))
	t.group.finished.Add(1)
	if panicked {
		t.panicked.Store(true)
		t.group.panicked.Add(1)
	}
	if t.site != nil {
		t.finished.Store(Now())
		live.remove(t)
		ring.push(t)
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
	var addr uintptr
	if v := reflect.ValueOf(on); v.Kind() == reflect.Pointer {
		addr = v.Pointer()
	}
	return park(ctx, k, addr)
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
	t.waitKind.Store(uint32(k))
	t.waitOn.Store(on)
	t.waitSince.Store(Now())
	t.state.Store(uint32(Waiting))
	t.group.parks.Add(1)
	return t
}

// Resume records that the task runs again after a Park. woke is the
// [Stamp] its waker took when it woke the task, or 0 if unknown (a
// cancellation, a closed channel): only a known one feeds the wake-to-resume
// histogram. Resume reads the clock only then.
func (t *Task) Resume(woke int64) {
	if woke != 0 {
		t.group.WakeResume.Observe(since(woke, Now()))
	}
	t.state.Store(uint32(Running))
	t.waitKind.Store(uint32(KindNone))
}
