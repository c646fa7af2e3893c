// Package obs is shio's collector: the machinery behind the console and the
// metrics of package console, at the bottom layer so that every package that
// has something to report (task, the channels, ctxsync) can report into it
// without an import cycle.
//
// Collection has a level, chosen by the program (console.SetLevel):
//
//   - [Off], the default: every hook is one atomic load and a predictable
//     branch; nothing is allocated and the clock is never read.
//   - [Counters]: each task gets a small record (one allocation) that feeds
//     the counters and histograms of its name's [Group]: spawned, live,
//     first-run delay, wake-to-resume delay. The clock is read at spawn,
//     first run, park and wake only.
//   - [Full]: besides, every live task is in a table (its tree, state, what
//     it waits on and since when, its spawn site), its goroutine carries
//     pprof labels (shio.task, shio.name), and finished tasks go to a ring of
//     bounded size. The clock is also read when a task finishes.
//
// Memory is bounded whatever the uptime: the groups are capped
// ([MaxGroups], further names share one overflow group), the live table
// holds only live tasks, and the ring of finished tasks has a fixed size
// ([RingSize]). Resources (locks, channels) are never held strongly: a waiting
// task records the kind and address of what it waits on, nothing more.
//
// Times are readings of the collector's monotonic clock ([Now]), zero
// meaning "has not happened"; only their differences mean something.
package obs
