// Package console shows what a shio program is doing: a live web console of
// its tasks, event loops and servers, and Prometheus metrics, written with
// the standard library only.
//
// Collection is off until the program turns it on, once, at start:
//
//	console.SetLevel(console.Full)
//
// At [Off] every hook in shio's packages costs one atomic load. At
// [Counters] each task name gets counters and latency histograms (spawned,
// live, first-run delay, wake-to-resume delay). At [Full] every live task
// is also listed with its parent, state, what it waits on and since when,
// and its spawn site, its goroutine carries the pprof labels shio.task and
// shio.name (so CPU profiles and goroutine dumps show task names), and the
// last 4,096 tasks to finish are kept. The collector's memory is bounded
// whatever the uptime: live tasks, a fixed ring of finished ones, and at most
// 1,000 task names counted apart.
//
// A [Console] is an http.Handler; mount it where the program keeps its
// debug pages, on a listener that only operators reach:
//
//	c := console.New(console.Config{Servers: map[string]*http1.Server{"api": srv}})
//	mux.Handle("/debug/shio/", http.StripPrefix("/debug/shio", c))
//
// It serves the page (embedded: no build step, no CDN, works offline),
// live updates as Server-Sent Events, JSON snapshots, a task's goroutine
// stack, and the metrics (also on their own as [Console.Metrics]).
//
// Costs, measured with bench/task's spawn+join (see docs/observability.md):
// Off is within noise of a build without the collector; Counters adds one
// small allocation and two clock reads per task; Full adds a runtime.Callers,
// the live table and pprof labels, about a microsecond a task.
package console
