// Package loadgen is the machinery of `shio bench`: load generators for
// HTTP/1.1 ([HTTP]), TCP echo ([Echo]) and idle connections ([Idle]), a
// latency [Histogram], and the [Report] that the command prints as text or
// JSON.
//
// Every generator runs over a [Dialer], so the same code drives load through
// the standard library's net package or through shio's own reactor
// (tcp.Dial); this package imports neither the reactor nor tcp, which keeps
// it in layer L0 and testable over in-memory connections (net.Pipe) inside a
// testing/synctest bubble.
//
// # Cost
//
// A generator uses one goroutine per connection, which owns its buffers; the
// request (or echo payload) is encoded once and written from the same bytes
// every time, responses are parsed in place in a bufio.Reader, and latencies
// are recorded in a per-connection batch that is merged into the shared
// histogram under a lock once every few hundred samples. The steady state
// allocates nothing per request.
//
// # Latency and coordinated omission
//
// In a closed loop ([HTTPConfig].Rate zero) a request's latency runs from the
// write that sent it to the end of its response. In an open loop (Rate set)
// requests have an intended send time on a fixed schedule, and latency runs
// from that intended time, as wrk2 measures it: when the server stalls, the
// requests that could not be sent during the stall are charged for it
// instead of silently disappearing ("coordinated omission"). One exception
// keeps the generator's own jitter out of the figures: a request sent by a
// connection that was idle, asleep until its send time, is timed from when
// it woke, since Go timers may fire up to a millisecond late and that delay
// is not the server's doing. A generator that cannot keep up shows as an
// achieved rate below the one asked for.
//
// Closed-loop figures are one sample per response and nothing else, so
// their mean never exceeds connections ÷ throughput (Little's law). wrk's
// closed-loop figures are not comparable in the tail: after the run it adds
// synthetic samples for every latency over twice the mean interval between
// a connection's requests (its stats_correct), which turns each rare stall
// into a spread of samples that never happened; bench/latency measures both
// against a server of known latency.
//
// # Dependencies
//
// None beyond the standard library and shio. Latencies are kept in a
// [Histogram] with HDR histogram's log-linear layout (constant memory, 0.1%
// precision over nine decades, O(1) recording, mergeable) in about a
// hundred lines: github.com/HdrHistogram/hdrhistogram-go, which it
// replaced after matching it percentile for percentile, is a 14.5 MB
// module download, which `go run ./cmd/shio serve` on a fresh machine
// fetched although serve records no latency.
package loadgen
