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
	// Kind is "wait" (a task waits on a shio resource past WatchConfig.Wait)
	// or "loop" (an event loop's pass runs past WatchConfig.LoopPass).
	Kind string `json:"kind"`
	// For "wait": the task, its parents (nearest first, as far as they are
	// live), how long it has waited, and its goroutine stacks (with
	// NoStacks, or below the Full level, empty).
	Task    *Task         `json:"task,omitempty"`
	Parents []Task        `json:"parents,omitempty"`
	Waited  time.Duration `json:"waited_ns,omitempty"`
	Stack   string        `json:"stack,omitempty"`
	// For "loop": the server (or reactor) name, the loop's index and how
	// long its current pass has run.
	Server string        `json:"server,omitempty"`
	Loop   int           `json:"loop,omitempty"`
	InPass time.Duration `json:"in_pass_ns,omitempty"`
	// Seen is when the check found it: the wall-clock time.
	Seen time.Time `json:"seen"`
}

// watchState is what the detector keeps between checks.
type watchState struct {
	mu     sync.Mutex        // guards the fields below
	active map[string]Report // reported and not yet recovered, by key
	total  int64             // reports made
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
	now := obs.Now()
	seen := obs.Wall(now)
	current := map[string]Report{}
	var live map[uint64]Task
	if wait > 0 {
		tasks := obs.Live()
		live = make(map[uint64]Task, len(tasks))
		for _, t := range tasks {
			live[t.ID] = t
		}
		for _, t := range tasks {
			if t.State != "waiting" || t.WaitSince == 0 || time.Duration(now-t.WaitSince) < wait {
				continue
			}
			key := "wait/" + strconv.FormatUint(t.ID, 10) + "/" + strconv.FormatInt(t.WaitSince, 10)
			current[key] = Report{Kind: "wait", Task: &t, Waited: time.Duration(now - t.WaitSince), Seen: seen}
		}
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
			if !cfg.NoStacks {
				if profile == "" {
					profile = goroutineProfile()
				}
				r.Stack = stacksOf(profile, r.Task.ID)
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
