package obs

import (
	"slices"
	"strings"
	"sync"
	"sync/atomic"
)

// MaxGroups bounds the number of task names counted apart. Tasks with a
// further name are counted in the group named [OverflowName], so that names
// made of IDs cannot grow the collector (or a metrics scrape) without bound.
const MaxGroups = 1000

// OverflowName is the name of the group that counts the tasks of names past
// MaxGroups.
const OverflowName = "(other)"

// stripes is the number of stripes of a Group's counters. A task counts in
// the stripe of its ID, so that tasks spawned and finished at the same time
// on different cores mostly write different cache lines.
const stripes = 8

// A Group is the counters and histograms of the tasks of one name (the empty
// name too). Every field is updated with atomics only.
type Group struct {
	Name string

	stripe [stripes]stripe
	// FirstRun is the time from spawn to the task's first instruction:
	// scheduler latency, per name. At the Counters level it is sampled (the
	// tasks whose ID is a multiple of SampleEvery); at Full every task.
	FirstRun Histogram
	// WakeResume is the time from a waker's wake-up of a parked task (a
	// lock granted, a value sent) to the task running again.
	WakeResume Histogram
}

// A stripe is one part of a Group's counters. spawned is written by
// spawning goroutines, the rest by the tasks: apart on cache lines, so that
// a spawner and its tasks on other cores do not take the line from each
// other. Live is spawned - finished.
type stripe struct {
	group    *Group
	idx      uint32
	_        [52]byte
	spawned  atomic.Int64
	_        [56]byte
	finished atomic.Int64
	panicked atomic.Int64
	parks    atomic.Int64
	_        [40]byte
}

func newGroup(name string) *Group {
	g := &Group{Name: name}
	for i := range g.stripe {
		g.stripe[i].group, g.stripe[i].idx = g, uint32(i)
	}
	return g
}

// GroupSnapshot is a copy of a Group's counters.
type GroupSnapshot struct {
	Name       string            `json:"name"`
	Spawned    int64             `json:"spawned"`
	Live       int64             `json:"live"`
	Panicked   int64             `json:"panicked"`
	Parks      int64             `json:"parks"`
	FirstRun   HistogramSnapshot `json:"first_run"`
	WakeResume HistogramSnapshot `json:"wake_resume"`
}

// Snapshot copies g.
func (g *Group) Snapshot() GroupSnapshot {
	var finished, spawned, panicked, parks int64
	for i := range g.stripe { // finished first: live is never negative
		finished += g.stripe[i].finished.Load()
	}
	for i := range g.stripe {
		s := &g.stripe[i]
		spawned += s.spawned.Load()
		panicked += s.panicked.Load()
		parks += s.parks.Load()
	}
	return GroupSnapshot{
		Name:       g.Name,
		Spawned:    spawned,
		Live:       spawned - finished,
		Panicked:   panicked,
		Parks:      parks,
		FirstRun:   g.FirstRun.Snapshot(),
		WakeResume: g.WakeResume.Snapshot(),
	}
}

// groups maps a name to its *Group; ngroups counts them, overflow excluded.
var (
	groups   sync.Map
	ngroups  atomic.Int64
	overflow = newGroup(OverflowName)
	groupMu  sync.Mutex // serializes the creation of groups
)

// unnamed is the group of tasks without a name, the most common: found
// without a map lookup.
var unnamed = func() *Group {
	g := newGroup("")
	groups.Store("", g)
	ngroups.Add(1)
	return g
}()

// groupOf returns the group of name, creating it if there is room.
func groupOf(name string) *Group {
	if name == "" {
		return unnamed
	}
	if g, ok := groups.Load(name); ok {
		return g.(*Group)
	}
	groupMu.Lock()
	defer groupMu.Unlock()
	if g, ok := groups.Load(name); ok {
		return g.(*Group)
	}
	if ngroups.Load() >= MaxGroups {
		return overflow
	}
	g := newGroup(strings.Clone(name))
	groups.Store(g.Name, g)
	ngroups.Add(1)
	return g
}

// Groups returns a snapshot of every group that has counted a task, sorted
// by name, the overflow group last.
func Groups() []GroupSnapshot {
	var out []GroupSnapshot
	groups.Range(func(_, v any) bool {
		out = append(out, v.(*Group).Snapshot())
		return true
	})
	slices.SortFunc(out, func(a, b GroupSnapshot) int { return strings.Compare(a.Name, b.Name) })
	if o := overflow.Snapshot(); o.Spawned != 0 {
		out = append(out, o)
	}
	return out
}
