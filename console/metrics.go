package console

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/shio-rt/shio/internal/obs"
	"github.com/shio-rt/shio/reactor"
)

// Metrics returns a handler that serves the collector's and the configured
// servers' metrics in the Prometheus text exposition format (version
// 0.0.4), or in OpenMetrics 1.0 to a scraper that asks for it in its Accept
// header: per task name (never per task ID), per event loop and per server.
// Go's runtime metrics are left to the collectors that already export them.
func (c *Console) Metrics() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		om := strings.Contains(r.Header.Get("Accept"), "application/openmetrics-text")
		if om {
			w.Header().Set("Content-Type", "application/openmetrics-text; version=1.0.0; charset=utf-8")
		} else {
			w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
		}
		bw := bufio.NewWriter(w)
		c.writeMetrics(bw, om)
		bw.Flush()
	})
}

// promWriter writes metric families; each family's samples follow its
// HELP and TYPE lines.
type promWriter struct {
	w   io.Writer
	om  bool // OpenMetrics: a counter family is named without its _total suffix
	buf []byte
}

func (p *promWriter) family(name, typ, help string) {
	if p.om && typ == "counter" {
		name = strings.TrimSuffix(name, "_total")
	}
	p.buf = append(p.buf[:0], "# HELP "...)
	p.buf = append(p.buf, name...)
	p.buf = append(p.buf, ' ')
	p.buf = append(p.buf, help...)
	p.buf = append(p.buf, "\n# TYPE "...)
	p.buf = append(p.buf, name...)
	p.buf = append(p.buf, ' ')
	p.buf = append(p.buf, typ...)
	p.buf = append(p.buf, '\n')
	p.w.Write(p.buf)
}

// sample writes name{labels} value; labels alternate names and values.
func (p *promWriter) sample(name string, v float64, labels ...string) {
	b := append(p.buf[:0], name...)
	if len(labels) > 0 {
		b = append(b, '{')
		for i := 0; i+1 < len(labels); i += 2 {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, labels[i]...)
			b = append(b, `="`...)
			b = appendEscaped(b, labels[i+1])
			b = append(b, '"')
		}
		b = append(b, '}')
	}
	b = append(b, ' ')
	b = strconv.AppendFloat(b, v, 'g', -1, 64)
	b = append(b, '\n')
	p.buf = b
	p.w.Write(b)
}

// appendEscaped escapes a label value: backslash, double quote and line
// feed, as the exposition format requires; invalid UTF-8 is replaced.
func appendEscaped(b []byte, s string) []byte {
	s = strings.ToValidUTF8(s, "\uFFFD")
	for i := 0; i < len(s); i++ {
		switch ch := s[i]; ch {
		case '\\':
			b = append(b, `\\`...)
		case '"':
			b = append(b, `\"`...)
		case '\n':
			b = append(b, `\n`...)
		default:
			b = append(b, ch)
		}
	}
	return b
}

// histogram writes one histogram's samples (cumulative buckets in seconds).
func (p *promWriter) histogram(name string, h obs.HistogramSnapshot, labels ...string) {
	var acc int64
	ls := append(slices.Clone(labels), "le", "")
	for i := range obs.Buckets {
		acc += h.Buckets[i]
		ls[len(ls)-1] = strconv.FormatFloat(float64(obs.BucketBound(i))/1e9, 'g', -1, 64)
		p.sample(name+"_bucket", float64(acc), ls...)
	}
	ls[len(ls)-1] = "+Inf"
	p.sample(name+"_bucket", float64(h.Count), ls...)
	p.sample(name+"_sum", float64(h.Sum)/1e9, labels...)
	p.sample(name+"_count", float64(h.Count), labels...)
}

func (c *Console) writeMetrics(w io.Writer, om bool) {
	p := &promWriter{w: w, om: om}
	p.family("shio_collector_level", "gauge", "The collection level: 0 off, 1 counters, 2 full.")
	p.sample("shio_collector_level", float64(obs.Current()))

	groups := obs.Groups()
	type counter struct {
		name, typ, help string
		v               func(obs.GroupSnapshot) int64
	}
	for _, m := range []counter{
		{"shio_tasks_spawned_total", "counter", "Tasks spawned, by task name.", func(g obs.GroupSnapshot) int64 { return g.Spawned }},
		{"shio_tasks_live", "gauge", "Tasks spawned and not yet finished, by task name.", func(g obs.GroupSnapshot) int64 { return g.Live }},
		{"shio_tasks_panicked_total", "counter", "Tasks that panicked, by task name.", func(g obs.GroupSnapshot) int64 { return g.Panicked }},
		{"shio_task_parks_total", "counter", "Waits of tasks on shio resources (locks, channels, joins), by task name.", func(g obs.GroupSnapshot) int64 { return g.Parks }},
	} {
		p.family(m.name, m.typ, m.help)
		for _, g := range groups {
			p.sample(m.name, float64(m.v(g)), "name", g.Name)
		}
	}
	p.family("shio_task_first_run_seconds", "histogram", "Time from a task's spawn to its first instruction (scheduler latency), by task name.")
	for _, g := range groups {
		p.histogram("shio_task_first_run_seconds", g.FirstRun, "name", g.Name)
	}
	p.family("shio_task_wake_resume_seconds", "histogram", "Time from the wake-up of a parked task to its running again, by task name.")
	for _, g := range groups {
		p.histogram("shio_task_wake_resume_seconds", g.WakeResume, "name", g.Name)
	}

	c.writeServerMetrics(p)

	c.writeResourceMetrics(p)

	p.family("shio_stuck", "gauge", "Things the stuck detector reports stuck now, by kind (wait: a task waiting on a shio resource; lock: a lock held too long; deadlock: a cycle of waits; running: a task running outside shio too long; growth: a spawn site whose live tasks only grow; loop: an event loop's pass; scope: a scope's children outliving it).")
	n := map[string]int{}
	for _, r := range c.Stuck() {
		n[r.Kind]++
	}
	for _, k := range stuckKinds {
		p.sample("shio_stuck", float64(n[k]), "kind", k)
	}
	if om {
		io.WriteString(w, "# EOF\n")
	}
}

// stuckKinds are the kinds of Report, in the order of the metric's samples.
var stuckKinds = []string{"deadlock", "growth", "lock", "loop", "running", "scope", "wait"}

// writeResourceMetrics writes the locks and channels seen at the Full
// level, summed by kind (never per lock or channel: their number has no
// bound).
func (c *Console) writeResourceMetrics(p *promWriter) {
	if obs.Current() < obs.Full {
		return
	}
	now := obs.Now()
	type lockAgg struct {
		n, held, waiters, readers int64
		longest                   float64
	}
	la := map[string]*lockAgg{"mutex": {}, "rwmutex": {}}
	for _, l := range obs.Locks(obs.Live()) {
		a := la[l.Kind]
		if a == nil {
			continue
		}
		a.n++
		a.waiters += int64(len(l.Waiters))
		a.readers += l.Readers
		if l.HeldSince != 0 {
			a.held++
			a.longest = max(a.longest, float64(now-l.HeldSince)/1e9)
		}
	}
	kinds := []string{"mutex", "rwmutex"}
	for _, m := range []struct {
		name, help string
		v          func(*lockAgg) float64
	}{
		{"shio_locks", "Locks seen at the Full level and still live, by kind.", func(a *lockAgg) float64 { return float64(a.n) }},
		{"shio_locks_held", "Locks held exclusively now, by kind.", func(a *lockAgg) float64 { return float64(a.held) }},
		{"shio_lock_readers", "Read holders of read-write locks now.", func(a *lockAgg) float64 { return float64(a.readers) }},
		{"shio_lock_waiters", "Tasks waiting for locks now, by kind.", func(a *lockAgg) float64 { return float64(a.waiters) }},
		{"shio_lock_longest_held_seconds", "How long the longest-held lock of a kind has been held.", func(a *lockAgg) float64 { return a.longest }},
	} {
		p.family(m.name, "gauge", m.help)
		for _, k := range kinds {
			p.sample(m.name, m.v(la[k]), "kind", k)
		}
	}

	type chanAgg struct{ n, length, senders, receivers, lag int64 }
	ca := map[string]*chanAgg{"broadcast": {}, "mpsc": {}, "oneshot": {}, "watch": {}}
	for _, ch := range obs.Chans() {
		a := ca[ch.Kind]
		if a == nil {
			continue
		}
		a.n++
		a.length += int64(ch.Len)
		a.senders += int64(ch.Senders)
		a.receivers += int64(ch.Receivers)
		a.lag += int64(ch.Lag)
	}
	ckinds := []string{"broadcast", "mpsc", "oneshot", "watch"}
	for _, m := range []struct {
		name, help string
		v          func(*chanAgg) float64
	}{
		{"shio_channels", "Channels made at the Full level and still live, by kind.", func(a *chanAgg) float64 { return float64(a.n) }},
		{"shio_channel_values", "Values held in channels, by kind.", func(a *chanAgg) float64 { return float64(a.length) }},
		{"shio_channel_blocked_senders", "Sends blocked on full channels, by kind.", func(a *chanAgg) float64 { return float64(a.senders) }},
		{"shio_channel_blocked_receivers", "Receives blocked on empty channels, by kind.", func(a *chanAgg) float64 { return float64(a.receivers) }},
		{"shio_channel_lagged_values", "Values the receivers of the live broadcast channels have lost to lag.", func(a *chanAgg) float64 { return float64(a.lag) }},
	} {
		p.family(m.name, "gauge", m.help)
		for _, k := range ckinds {
			p.sample(m.name, m.v(ca[k]), "kind", k)
		}
	}
}

func (c *Console) writeServerMetrics(p *promWriter) {
	servers := c.servers()
	type serverMetric struct {
		name, typ, help string
		v               func(s serverSnapshot) int64
	}
	for _, m := range []serverMetric{
		{"shio_http_connections_accepted_total", "counter", "Connections accepted by an HTTP server.", func(s serverSnapshot) int64 { return s.Stats.Accepted }},
		{"shio_http_connections_open", "gauge", "Connections open on an HTTP server.", func(s serverSnapshot) int64 { return s.Stats.Open }},
		{"shio_http_requests_total", "counter", "Requests handed to an HTTP server's Handler.", func(s serverSnapshot) int64 { return s.Stats.Requests }},
		{"shio_http_requests_rejected_total", "counter", "Requests refused by an HTTP server's parser or limits.", func(s serverSnapshot) int64 { return s.Stats.Rejected }},
		{"shio_http_handler_panics_total", "counter", "Handler panics on an HTTP server.", func(s serverSnapshot) int64 { return s.Stats.Panics }},
		{"shio_http_connections_hijacked_total", "counter", "Connections taken over by Handlers.", func(s serverSnapshot) int64 { return s.Stats.Hijacked }},
	} {
		p.family(m.name, m.typ, m.help)
		for _, s := range servers {
			p.sample(m.name, float64(m.v(s)), "server", s.Name)
		}
	}

	// Connections by their HTTP phase (idle, head, running, ...), or by
	// their reactor state for a plain reactor's.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	conns, _, _ := c.Conns(ctx, 0)
	cancel()
	type key struct{ server, phase string }
	byPhase := map[key]int{}
	for _, cn := range conns {
		ph := cn.Phase
		if ph == "" {
			ph, _, _ = strings.Cut(cn.State, "+")
		}
		byPhase[key{cn.Server, ph}]++
	}
	keys := make([]key, 0, len(byPhase))
	for k := range byPhase {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b key) int {
		if c := strings.Compare(a.server, b.server); c != 0 {
			return c
		}
		return strings.Compare(a.phase, b.phase)
	})
	p.family("shio_connections", "gauge", "Connections now, by server and phase (an HTTP server's: idle, head, running, hijacked, ending; a reactor's: open, lingering).")
	for _, k := range keys {
		p.sample("shio_connections", float64(byPhase[k]), "server", k.server, "phase", k.phase)
	}

	loops := c.loops()
	type loopMetric struct {
		name, typ, help string
		v               func(l reactor.LoopStats) float64
	}
	for _, m := range []loopMetric{
		{"shio_loop_connections", "gauge", "Connections on an event loop.", func(l reactor.LoopStats) float64 { return float64(l.Open) }},
		{"shio_loop_accepted_total", "counter", "Connections an event loop accepted.", func(l reactor.LoopStats) float64 { return float64(l.Accepted) }},
		{"shio_loop_dialed_total", "counter", "Connections an event loop dialled.", func(l reactor.LoopStats) float64 { return float64(l.Dialed) }},
		{"shio_loop_closed_total", "counter", "Connections an event loop closed.", func(l reactor.LoopStats) float64 { return float64(l.Closed) }},
		{"shio_loop_read_bytes_total", "counter", "Bytes an event loop read from sockets.", func(l reactor.LoopStats) float64 { return float64(l.BytesRead) }},
		{"shio_loop_written_bytes_total", "counter", "Bytes written to an event loop's sockets.", func(l reactor.LoopStats) float64 { return float64(l.BytesWritten) }},
		{"shio_loop_accept_errors_total", "counter", "Failed accept calls on an event loop.", func(l reactor.LoopStats) float64 { return float64(l.AcceptErrors) }},
		{"shio_loop_passes_total", "counter", "Passes of an event loop that handled work.", func(l reactor.LoopStats) float64 { return float64(l.Passes) }},
		{"shio_loop_events_total", "counter", "Poller events an event loop handled.", func(l reactor.LoopStats) float64 { return float64(l.Events) }},
		{"shio_loop_busy_seconds_total", "counter", "Time an event loop spent handling events.", func(l reactor.LoopStats) float64 { return l.Busy.Seconds() }},
		{"shio_loop_in_pass_seconds", "gauge", "How long an event loop's current pass has run; 0 while it waits (its heartbeat).", func(l reactor.LoopStats) float64 { return l.InPass.Seconds() }},
	} {
		p.family(m.name, m.typ, m.help)
		for _, l := range loops {
			p.sample(m.name, m.v(l.LoopStats), "server", l.Server, "loop", strconv.Itoa(l.Loop))
		}
	}
	p.family("shio_loop_pass_seconds", "histogram", "Time an event loop's passes that handled work took (the loop's latency: an event waits for the pass before it).")
	for _, l := range loops {
		h := obs.HistogramSnapshot{Buckets: l.PassTimes, Sum: int64(l.Busy)}
		for _, n := range h.Buckets {
			h.Count += n
		}
		p.histogram("shio_loop_pass_seconds", h, "server", l.Server, "loop", strconv.Itoa(l.Loop))
	}
}
