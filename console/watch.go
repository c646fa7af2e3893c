package console

import (
	"context"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/shio-rt/shio/internal/obs"
)

// WatchConfig configures the stuck detector ([Console.Watch]). Its zero value
// uses every default.
type WatchConfig struct {
	// Wait is how long a task may wait on a shio resource (a lock, a
	// channel, another task's end) before it is reported. Zero means 10s;
	// negative turns the check off. Needs the Full level.
	Wait time.Duration
	// LoopPass is how long an event loop's pass may run (its heartbeat may
	// be stale: a callback blocks the loop) before it is reported. Zero
	// means 1s; negative turns the check off.
	LoopPass time.Duration
	// Hold is how long a lock (ctxsync.Mutex, RWMutex) may be held before
	// it is reported, with its holder and the wait-for chain from it. Zero
	// means 10s; negative turns the check off. A cycle in the wait-for
	// graph (tasks waiting on locks held, or tasks joined, by one another)
	// is reported as a deadlock whatever the durations. Needs the Full
	// level.
	Hold time.Duration
	// Run is how long a task may run without waiting on a shio resource
	// (computing, or blocked outside shio: a syscall, a plain channel, a
	// sync.Mutex) before it is reported. Zero means 10s; negative turns the
	// check off. Needs the Full level. HTTP requests are not reported (a
	// streaming response runs as long as its client listens): the
	// connections view shows each running request's age and its task.
	Run time.Duration
	// Growth is the number of consecutive checks over which a spawn site's
	// live tasks must have grown at every check (to at least GrowthMin) to
	// be reported as a likely leak. Zero means 60; negative turns the check
	// off. GrowthMin zero means 100. Needs the Full level.
	Growth    int
	GrowthMin int
	// Scope is how long a scope's children may outlive it before they are
	// reported: how long the task waiting in task.Scope.Wait (Scoped's body
	// has returned) may wait for children that do not end, or how long
	// children may live on after the task that made their scope has ended
	// without waiting for them (a NewScope whose Wait was never called).
	// Zero means 10s; negative turns the check off. Needs the Full level.
	Scope time.Duration
	// Every is the time between checks. Zero means 1s.
	Every time.Duration
	// MaxReports bounds the new reports of one check; the rest are
	// reported by the next checks (rate limiting). Zero means 10.
	MaxReports int
	// NoStacks leaves the goroutine stacks out of task reports. Otherwise a
	// check that has new task reports takes one goroutine profile, which
	// stops the world briefly (never more than once per check).
	NoStacks bool
	// OnStuck, if not nil, is called with each new report, from the
	// goroutine running Watch. A stuck thing is reported once, until it
	// recovers.
	OnStuck func(Report)
}

// A Report says what is stuck.
type Report struct {
	// Kind is
	//   - "wait": a task waits on a shio resource past WatchConfig.Wait;
	//   - "lock": a lock is held past WatchConfig.Hold (Task is its holder);
	//   - "deadlock": tasks wait for one another in a cycle (Chain);
	//   - "running": a task runs past WatchConfig.Run without waiting on a
	//     shio resource;
	//   - "growth": a spawn site's live tasks grew at every one of the last
	//     WatchConfig.Growth checks;
	//   - "loop": an event loop's pass runs past WatchConfig.LoopPass;
	//   - "scope": a scope's children outlive it past WatchConfig.Scope:
	//     Task waits in the scope's Wait (Waited) for Children, or Task is
	//     a child whose scope's maker (Parents[0], or the gone task Link
	//     names in Chain) ended Waited ago.
	Kind string `json:"kind"`
	// The task concerned, its parents (nearest first, as far as they are
	// live), its spawn site, how long it has waited (or, for "running",
	// run), and its goroutine stacks (with NoStacks, or below the Full
	// level, empty; for "deadlock", those of every task of the cycle).
	Task    *Task         `json:"task,omitempty"`
	Parents []Task        `json:"parents,omitempty"`
	Site    string        `json:"site,omitempty"`
	Waited  time.Duration `json:"waited_ns,omitempty"`
	Running time.Duration `json:"running_ns,omitempty"`
	Stack   string        `json:"stack,omitempty"`
	// The lock concerned (the one the task waits on, or the one held too
	// long), with its holder and waiters, how long it has been held, and
	// the wait-for chain: from the task (or the lock's holder), each task
	// and what it waits for, as far as the chain goes; for a "deadlock",
	// the cycle.
	Lock   *Lock         `json:"lock,omitempty"`
	Holder *Task         `json:"holder,omitempty"`
	Held   time.Duration `json:"held_ns,omitempty"`
	Chain  []Link        `json:"chain,omitempty"`
	// For "growth": the live tasks of the site now.
	Live int `json:"live,omitempty"`
	// For "scope": the scope's live children.
	Children []Task `json:"children,omitempty"`
	// For "loop": the server (or reactor) name, the loop's index and how
	// long its current pass has run.
	Server string        `json:"server,omitempty"`
	Loop   int           `json:"loop,omitempty"`
	InPass time.Duration `json:"in_pass_ns,omitempty"`
	// Seen is when the check found it: the wall-clock time.
	Seen time.Time `json:"seen"`
}

// A Link is one step of a wait-for chain: a task, what it waits on, and
// since when.
type Link struct {
	Task     uint64 `json:"task"`
	Name     string `json:"name,omitempty"`
	WaitKind string `json:"wait_kind,omitempty"` // empty: it waits on nothing shio sees
	WaitOn   uint64 `json:"wait_on,omitempty"`
	// Waited is how long it has waited; Gone that it is no longer live.
	Waited time.Duration `json:"waited_ns,omitempty"`
	Gone   bool          `json:"gone,omitempty"`
}

// watchState is what the detector keeps between checks.
type watchState struct {
	mu     sync.Mutex        // guards the fields below
	active map[string]Report // reported and not yet recovered, by key
	total  int64             // reports made
	sites  map[string]*siteGrowth
}

// siteGrowth follows the live tasks of one spawn site across checks.
type siteGrowth struct {
	live  int // at the last check
	grown int // consecutive checks at which it grew
}

// waitGraph answers "whom does this task wait for": the holder of the lock
// it waits on, or the task it joins.
type waitGraph struct {
	now    int64
	live   map[uint64]Task
	locks  map[uint64]*Lock    // by the address waiters park on
	scopes map[uint64][]uint64 // a scope's live children, by its address
}

func (g *waitGraph) next(t Task) uint64 {
	if t.State != "waiting" {
		return 0
	}
	if t.WaitKind == "join" {
		return t.WaitOn
	}
	if t.WaitKind == "scope" {
		if kids := g.scopes[t.WaitOn]; len(kids) > 0 {
			return kids[0] // the oldest child the scope waits for
		}
		return 0
	}
	if l := g.locks[t.WaitOn]; l != nil {
		return l.Holder
	}
	return 0
}

func (g *waitGraph) link(id uint64) Link {
	t, ok := g.live[id]
	if !ok {
		return Link{Task: id, Gone: true}
	}
	l := Link{Task: id, Name: t.Name}
	if t.State == "waiting" {
		l.WaitKind, l.WaitOn, l.Waited = t.WaitKind, t.WaitOn, time.Duration(g.now-t.WaitSince)
	}
	return l
}

// chain follows the wait-for edges from task id. It returns the chain and,
// if the edges come back to a task of the chain, the index where the cycle
// starts (-1 otherwise).
func (g *waitGraph) chain(id uint64) ([]Link, int) {
	at := map[uint64]int{}
	var out []Link
	for id != 0 {
		if i, ok := at[id]; ok {
			return out, i
		}
		at[id] = len(out)
		out = append(out, g.link(id))
		t, ok := g.live[id]
		if !ok {
			break
		}
		id = g.next(t)
	}
	return out, -1
}

// Stuck returns what is stuck now, as reported by [Console.Watch] or
// [Console.Check]: the reports not yet recovered, oldest first.
func (c *Console) Stuck() []Report {
	c.watch.mu.Lock()
	defer c.watch.mu.Unlock()
	out := make([]Report, 0, len(c.watch.active))
	for _, r := range c.watch.active {
		out = append(out, r)
	}
	slices.SortFunc(out, func(a, b Report) int { return a.Seen.Compare(b.Seen) })
	return out
}

// Watch runs the stuck detector: a [Console.Check] every cfg.Every until
// ctx is done. The reports go to cfg.OnStuck, to the console's stuck view and
// to the shio_stuck metric.
//
// # Cancellation
//
// Watch returns ctx.Err() once ctx is done, after the check in progress, if
// any; what was reported stays in [Console.Stuck].
func (c *Console) Watch(ctx context.Context, cfg WatchConfig) error {
	every := cfg.Every
	if every <= 0 {
		every = time.Second
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
			c.Check(cfg)
		}
	}
}

// Check runs the stuck detector once and returns the new reports (those
// passed to cfg.OnStuck too). Things no longer stuck are forgotten, so
// that they are reported again if they get stuck again.
func (c *Console) Check(cfg WatchConfig) []Report {
	wait, pass, most := cfg.Wait, cfg.LoopPass, cfg.MaxReports
	if wait == 0 {
		wait = 10 * time.Second
	}
	if pass == 0 {
		pass = time.Second
	}
	if most <= 0 {
		most = 10
	}
	hold, run, growth, growthMin, scope := cfg.Hold, cfg.Run, cfg.Growth, cfg.GrowthMin, cfg.Scope
	if scope == 0 {
		scope = 10 * time.Second
	}
	if hold == 0 {
		hold = 10 * time.Second
	}
	if run == 0 {
		run = 10 * time.Second
	}
	if growth == 0 {
		growth = 60
	}
	if growthMin <= 0 {
		growthMin = 100
	}
	now := obs.Now()
	seen := obs.Wall(now)
	current := map[string]Report{}
	tasks := obs.Live()
	g := &waitGraph{now: now, live: make(map[uint64]Task, len(tasks)), locks: map[uint64]*Lock{}, scopes: map[uint64][]uint64{}}
	for _, t := range tasks {
		g.live[t.ID] = t
		if t.Scope != 0 {
			g.scopes[t.Scope] = append(g.scopes[t.Scope], t.ID) // by ID: oldest first
		}
	}
	for _, l := range obs.Locks(tasks) {
		g.locks[l.Addr] = &l
	}
	live := g.live
	holder := func(l *Lock) *Task {
		if t, ok := live[l.Holder]; ok && l.Holder != 0 {
			return &t
		}
		return nil
	}
	if wait > 0 {
		for _, t := range tasks {
			if t.State != "waiting" || t.WaitSince == 0 || time.Duration(now-t.WaitSince) < wait || t.WaitKind == "scope" {
				continue
			}
			key := "wait/" + strconv.FormatUint(t.ID, 10) + "/" + strconv.FormatInt(t.WaitSince, 10)
			r := Report{Kind: "wait", Task: &t, Waited: time.Duration(now - t.WaitSince), Seen: seen}
			if l := g.locks[t.WaitOn]; l != nil && t.WaitKind != "join" {
				r.Lock, r.Holder = l, holder(l)
				if l.HeldSince != 0 {
					r.Held = time.Duration(now - l.HeldSince)
				}
			}
			if g.next(t) != 0 {
				r.Chain, _ = g.chain(t.ID)
			}
			current[key] = r
		}
	}
	if hold > 0 {
		for _, l := range g.locks {
			if l.HeldSince == 0 || time.Duration(now-l.HeldSince) < hold {
				continue
			}
			key := "lock/" + strconv.FormatUint(l.Addr, 16) + "/" + strconv.FormatInt(l.HeldSince, 10)
			r := Report{Kind: "lock", Lock: l, Holder: holder(l), Task: holder(l), Held: time.Duration(now - l.HeldSince), Seen: seen}
			if l.Holder != 0 {
				r.Chain, _ = g.chain(l.Holder)
			}
			current[key] = r
		}
	}
	// Deadlocks: a cycle of waits, whatever their durations.
	inCycle := map[uint64]bool{}
	for _, t := range tasks {
		if inCycle[t.ID] || g.next(t) == 0 {
			continue
		}
		chain, start := g.chain(t.ID)
		if start < 0 {
			continue
		}
		cycle := chain[start:]
		ids := make([]uint64, len(cycle))
		for i, l := range cycle {
			ids[i] = l.Task
			inCycle[l.Task] = true
		}
		// The cycle from its smallest ID, so that one cycle has one key.
		lo := 0
		for i, id := range ids {
			if id < ids[lo] {
				lo = i
			}
		}
		cycle = append(slices.Clone(cycle[lo:]), cycle[:lo]...)
		key := "deadlock"
		for _, l := range cycle {
			key += "/" + strconv.FormatUint(l.Task, 10)
		}
		first := live[cycle[0].Task]
		r := Report{Kind: "deadlock", Task: &first, Chain: cycle, Seen: seen}
		if l := g.locks[first.WaitOn]; l != nil && first.WaitKind != "join" {
			r.Lock, r.Holder = l, holder(l)
		}
		if first.WaitSince != 0 {
			r.Waited = time.Duration(now - first.WaitSince)
		}
		current[key] = r
	}
	if run > 0 {
		for _, t := range tasks {
			if t.State != "running" || t.RunSince == 0 || time.Duration(now-t.RunSince) < run || t.Request {
				continue
			}
			key := "running/" + strconv.FormatUint(t.ID, 10) + "/" + strconv.FormatInt(t.RunSince, 10)
			current[key] = Report{Kind: "running", Task: &t, Running: time.Duration(now - t.RunSince), Seen: seen}
		}
	}
	if scope > 0 {
		c.checkScopes(g, scope, seen, current)
	}
	if growth > 0 {
		bySite := map[string]int{}
		for _, t := range tasks {
			if t.Site != "" {
				bySite[t.Site]++
			}
		}
		c.watch.mu.Lock()
		if c.watch.sites == nil {
			c.watch.sites = map[string]*siteGrowth{}
		}
		for site := range c.watch.sites {
			if bySite[site] == 0 {
				delete(c.watch.sites, site) // bounded by the live sites
			}
		}
		for site, n := range bySite {
			sg := c.watch.sites[site]
			if sg == nil {
				sg = &siteGrowth{}
				c.watch.sites[site] = sg
			}
			if n > sg.live {
				sg.grown++
			} else {
				sg.grown = 0
			}
			sg.live = n
			if sg.grown >= growth && n >= growthMin {
				current["growth/"+site] = Report{Kind: "growth", Site: site, Live: n, Seen: seen}
			}
		}
		c.watch.mu.Unlock()
	}
	if pass > 0 {
		for _, l := range c.loops() {
			if l.InPass >= pass {
				key := "loop/" + l.Server + "/" + strconv.Itoa(l.Loop)
				current[key] = Report{Kind: "loop", Server: l.Server, Loop: l.Loop, InPass: l.InPass, Seen: seen}
			}
		}
	}

	c.watch.mu.Lock()
	if c.watch.active == nil {
		c.watch.active = map[string]Report{}
	}
	for key := range c.watch.active {
		if _, still := current[key]; !still {
			delete(c.watch.active, key) // recovered
		}
	}
	var fresh []string
	for key := range current {
		if _, known := c.watch.active[key]; !known {
			fresh = append(fresh, key)
		}
	}
	slices.Sort(fresh) // deterministic: oldest task IDs first within a kind
	if len(fresh) > most {
		fresh = fresh[:most] // the rest wait for the next check
	}
	c.watch.mu.Unlock()

	var out []Report
	var profile string
	for _, key := range fresh {
		r := current[key]
		if r.Task != nil {
			for p := r.Task.Parent; p != 0; {
				pt, ok := live[p]
				if !ok {
					break
				}
				r.Parents = append(r.Parents, pt)
				p = pt.Parent
			}
			r.Site = r.Task.Site
			if !cfg.NoStacks {
				if profile == "" {
					profile = goroutineProfile()
				}
				if r.Kind == "deadlock" {
					for _, l := range r.Chain {
						r.Stack += stacksOf(profile, l.Task)
					}
				} else {
					r.Stack = stacksOf(profile, r.Task.ID)
				}
			}
		}
		out = append(out, r)
	}
	c.watch.mu.Lock()
	for i, key := range fresh {
		c.watch.active[key] = out[i]
	}
	c.watch.total += int64(len(out))
	c.watch.mu.Unlock()
	if cfg.OnStuck != nil {
		for _, r := range out {
			cfg.OnStuck(r)
		}
	}
	return out
}

// checkScopes adds the "scope" reports to current: tasks waiting in a
// scope's Wait past limit for children that do not end, and scope children
// living past limit after the task that made their scope ended.
func (c *Console) checkScopes(g *waitGraph, limit time.Duration, seen time.Time, current map[string]Report) {
	now := g.now
	waited := map[uint64]bool{} // scopes whose Wait is reported
	for _, t := range g.live {
		if t.State != "waiting" || t.WaitKind != "scope" || time.Duration(now-t.WaitSince) < limit {
			continue
		}
		kids := g.scopes[t.WaitOn]
		if len(kids) == 0 {
			continue // its children are not recorded (spawned below the Full level)
		}
		waited[t.WaitOn] = true
		key := "scope/" + strconv.FormatUint(t.ID, 10) + "/" + strconv.FormatInt(t.WaitSince, 10)
		r := Report{Kind: "scope", Task: &t, Waited: time.Duration(now - t.WaitSince), Seen: seen}
		for _, id := range kids {
			r.Children = append(r.Children, g.live[id])
		}
		r.Chain, _ = g.chain(t.ID)
		current[key] = r
	}
	// Children whose scope's maker has ended: reported once per scope, by
	// its oldest child, with the others.
	for addr, kids := range g.scopes {
		first := g.live[kids[0]]
		if waited[addr] || first.Parent == 0 {
			continue
		}
		if _, ok := g.live[first.Parent]; ok {
			continue // the maker lives: it may still wait
		}
		// Since when the maker is gone: its end, if the ring of finished
		// tasks still has it, else at least the child's age.
		since := first.Spawned
		if p, ok := obs.Lookup(first.Parent); ok && p.Finished != 0 {
			since = p.Finished
		}
		if time.Duration(now-since) < limit {
			continue
		}
		key := "scope/orphan/" + strconv.FormatUint(addr, 16)
		r := Report{Kind: "scope", Task: &first, Waited: time.Duration(now - since), Seen: seen,
			Chain: []Link{{Task: first.Parent, Gone: true}}}
		for _, id := range kids {
			r.Children = append(r.Children, g.live[id])
		}
		current[key] = r
	}
}
