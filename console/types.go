package console

import "github.com/shio-rt/shio/internal/obs"

// Task is a snapshot of one task, as the console shows it: identity, tree,
// state, what it waits on and since when, spawn site. Its times are
// readings of the collector's monotonic clock (see [Snapshot]).
type Task = obs.TaskSnapshot

// Group is a snapshot of the counters and histograms of the tasks of one
// name.
type Group = obs.GroupSnapshot

// Histogram is a snapshot of a latency histogram: power-of-two buckets from
// 1µs to about 8.4s, then one for the rest.
type Histogram = obs.HistogramSnapshot

// Lock is a snapshot of a lock (ctxsync.Mutex or RWMutex) seen at the Full
// level: its holder and since when, its readers, and its waiters in the
// order they will be served.
type Lock = obs.LockSnapshot

// Chan is a snapshot of a channel made at the Full level.
type Chan = obs.ChanStats
