package main

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// column is one workload of a suite.
type column struct{ cas, label string }

var (
	echoCols = []column{{"64:1", "64 conns"}, {"256:1", "256 conns"}, {"64:16", "64 conns × 16 in flight"}}
	httpCols = []column{{"64", "64 conns"}, {"256", "256 conns"}, {"64x16", "64 conns × 16 pipelined"}}
	bulkCols = []column{{"/1k", "1 KiB"}, {"/64k", "64 KiB"}, {"/1m", "1 MiB from memory"},
		{"/file/bulk1m", "1 MiB file (FileServer)"}, {"upload", "50 MB upload"}, {"upload-chunked", "50 MB chunked upload"}}
	bulkPeers = []string{"net-http", "fasthttp"}
	// Peers the issues name for each suite, in the order of the ratio rows.
	echoPeers = []string{"gnet", "tokio", "nbio", "goroutine"}
	httpPeers = []string{"fasthttp", "net-http", "gnet", "nbio", "hyper"}
	// Display names.
	names = map[string]string{
		"shio": "shio", "gnet": "gnet", "nbio": "nbio", "goroutine": "goroutine per conn",
		"tokio": "tokio", "fasthttp": "fasthttp", "net-http": "net/http", "hyper": "hyper 0.14 (tokio)",
		"wrk": "wrk -t1", "shio-bench": "shio bench",
	}
	httpNames = map[string]string{"gnet": "gnet (bare responder)", "nbio": "nbio nbhttp"}
)

func name(suite, impl string) string {
	if suite == "http" && httpNames[impl] != "" {
		return httpNames[impl]
	}
	if n := names[impl]; n != "" {
		return n
	}
	return impl
}

// human formats a rate: 1.23M, 123k, 950.
func human(v float64) string {
	switch {
	case v >= 1e6:
		return fmt.Sprintf("%.2fM", v/1e6)
	case v >= 1e4:
		return fmt.Sprintf("%.0fk", v/1e3)
	case v >= 1e3:
		return fmt.Sprintf("%.1fk", v/1e3)
	}
	return fmt.Sprintf("%.0f", v)
}

func fmtRatio(v float64, ok bool) string {
	if !ok || math.IsNaN(v) || math.IsInf(v, 0) {
		return "–"
	}
	return fmt.Sprintf("%.2f×", v)
}

// runs lists every round's value of a series.
func runs(xs []float64, f func(float64) string) string {
	s := make([]string, len(xs))
	for i, x := range xs {
		s[i] = f(x)
	}
	return strings.Join(s, " / ")
}

// suiteTables writes, for one suite, the throughput table (with the idle
// column) and its ratio rows, then the CPU table and its ratio rows.
func suiteTables(b *strings.Builder, r *results, suite string, cols []column, peers []string, unit, rateUnit string) {
	impls := r.impls[suite]
	fmt.Fprintf(b, "| server |")
	for _, c := range cols {
		fmt.Fprintf(b, " %s |", c.label)
	}
	fmt.Fprintf(b, " idle KiB/conn |\n|---|")
	for range cols {
		b.WriteString("---:|")
	}
	b.WriteString("---:|\n")
	for _, impl := range impls {
		fmt.Fprintf(b, "| %s |", name(suite, impl))
		for _, c := range cols {
			if v, ok := r.med(suite, c.cas, impl, "rps"); ok {
				fmt.Fprintf(b, " %s |", human(v))
			} else {
				b.WriteString(" – |")
			}
		}
		if v, ok := r.med(suite, "idle", impl, "kib_per_conn"); ok {
			fmt.Fprintf(b, " %.2f |\n", v)
		} else {
			b.WriteString(" – |\n")
		}
	}
	for _, p := range peers {
		if !r.has(suite, p) || !r.has(suite, "shio") {
			continue
		}
		fmt.Fprintf(b, "| **shio / %s** |", name(suite, p))
		for _, c := range cols {
			fmt.Fprintf(b, " %s |", fmtRatio(r.ratio(suite, c.cas, "rps", "shio", p)))
		}
		fmt.Fprintf(b, " %s |\n", fmtRatio(r.ratio(suite, "idle", "kib_per_conn", "shio", p)))
	}
	fmt.Fprintf(b, "\nServer CPU time per %s (µs; utime+stime from `/proc/PID/stat`, 10 ms ticks, with the user share,\nutime alone, in brackets where measured), medians:\n\n| server |", unit)
	for _, c := range cols {
		fmt.Fprintf(b, " %s |", c.label)
	}
	b.WriteString("\n|---|")
	for range cols {
		b.WriteString("---:|")
	}
	b.WriteString("\n")
	for _, impl := range impls {
		fmt.Fprintf(b, "| %s |", name(suite, impl))
		for _, c := range cols {
			if v, ok := r.med(suite, c.cas, impl, "cpu_us"); ok {
				if u, ok := r.med(suite, c.cas, impl, "user_us"); ok {
					fmt.Fprintf(b, " %.2f (%.2f) |", v, u)
				} else {
					fmt.Fprintf(b, " %.2f |", v)
				}
			} else {
				b.WriteString(" – |")
			}
		}
		b.WriteString("\n")
	}
	for _, p := range peers[:1] {
		if !r.has(suite, p) || !r.has(suite, "shio") {
			continue
		}
		fmt.Fprintf(b, "| **shio / %s** |", name(suite, p))
		for _, c := range cols {
			fmt.Fprintf(b, " %s |", fmtRatio(r.ratio(suite, c.cas, "cpu_us", "shio", p)))
		}
		b.WriteString("\n")
	}
	for _, p := range peers {
		if !r.has(suite, p) || !r.has(suite, "shio") || !r.hasMetric(suite, "user_us") {
			continue
		}
		fmt.Fprintf(b, "| **shio / %s, user** |", name(suite, p))
		for _, c := range cols {
			fmt.Fprintf(b, " %s |", fmtRatio(r.ratio(suite, c.cas, "user_us", "shio", p)))
		}
		b.WriteString("\n")
	}
	fmt.Fprintf(b, "\n<details><summary>Every round (%s, in the order run)</summary>\n\n| server |", rateUnit)
	for _, c := range cols {
		fmt.Fprintf(b, " %s |", c.label)
	}
	b.WriteString("\n|---|")
	for range cols {
		b.WriteString("---|")
	}
	b.WriteString("\n")
	for _, impl := range impls {
		fmt.Fprintf(b, "| %s |", name(suite, impl))
		for _, c := range cols {
			fmt.Fprintf(b, " %s |", runs(r.vals[key{suite, c.cas, impl, "rps"}], human))
		}
		b.WriteString("\n")
	}
	b.WriteString("\n</details>\n\n")
}

// target is one of the issues' targets and the run's verdict on it.
type target struct {
	issue, what, value string
	ok, known          bool
}

// targets evaluates the reactor (#5), http1 (#6) and bench (#7) targets
// against the medians.
func targets(r *results) []target {
	var ts []target
	add := func(issue, what string, v float64, ok bool, want func(float64) bool, format string) {
		t := target{issue: issue, what: what, value: "not measured"}
		if ok && !math.IsNaN(v) {
			t.known, t.ok, t.value = true, want(v), fmt.Sprintf(format, v)
		}
		ts = append(ts, t)
	}
	atLeast := func(x float64) func(float64) bool { return func(v float64) bool { return v >= x } }
	atMost := func(x float64) func(float64) bool { return func(v float64) bool { return v <= x } }
	within := func(x float64) func(float64) bool { return func(v float64) bool { return math.Abs(v-1) <= x } }

	v, ok := r.med("echo", "idle", "shio", "kib_per_conn")
	add("reactor", "idle RSS ≤ 0.5 KiB per connection", v, ok, atMost(0.5), "%.2f KiB")
	for _, c := range echoCols[:2] {
		v, ok = r.ratio("echo", c.cas, "rps", "shio", "gnet")
		add("reactor", "msgs/s ≥ 1.1× gnet, "+c.label, v, ok, atLeast(1.1), "%.2f×")
		v, ok = r.ratio("echo", c.cas, "rps", "shio", "tokio")
		add("reactor", "msgs/s ≥ tokio, "+c.label, v, ok, atLeast(1), "%.2f×")
	}
	for _, c := range echoCols {
		v, ok = r.ratio("echo", c.cas, "cpu_us", "shio", "gnet")
		add("reactor", "server CPU per message ≤ gnet's, "+c.label, v, ok, atMost(1), "%.2f×")
	}
	v, ok = r.ratio("echo", "64:16", "rps", "shio", "gnet")
	add("reactor", "pipelined msgs/s ≥ gnet", v, ok, atLeast(1), "%.2f×")

	for _, c := range httpCols[:2] {
		v, ok = r.ratio("http", c.cas, "rps", "shio", "fasthttp")
		add("http1", "req/s ≥ 1.2× fasthttp, "+c.label, v, ok, atLeast(1.2), "%.2f×")
		v, ok = r.ratio("http", c.cas, "cpu_us", "shio", "fasthttp")
		add("http1", "server CPU per request ≤ 0.8× fasthttp's, "+c.label, v, ok, atMost(0.8), "%.2f×")
	}
	v, ok = r.ratio("http", "64x16", "rps", "shio", "gnet")
	add("http1", "pipelined req/s ≥ gnet's bare responder", v, ok, atLeast(1), "%.2f×")
	v, ok = r.med("http", "idle", "shio", "kib_per_conn")
	add("http1", "idle RSS ≤ 1 KiB per keep-alive connection", v, ok, atMost(1), "%.2f KiB")
	for _, c := range httpCols {
		v, ok = r.ratio("http", c.cas, "rps", "shio", "net-http")
		add("http1", "≥ 3× net/http req/s, "+c.label, v, ok, atLeast(3), "%.2f×")
	}
	v, ok = r.ratio("http", "idle", "kib_per_conn", "net-http", "shio")
	add("http1", "≥ 3× net/http, idle (net/http's KiB/conn over shio's)", v, ok, atLeast(3), "%.2f×")

	for _, cas := range []string{"64", "64x16"} {
		label := "64 conns"
		if cas == "64x16" {
			label = "pipelined"
		}
		v, ok = r.ratio("http", cas, "user_us", "shio", "hyper")
		add("small requests", "user CPU per request ≤ hyper's, "+label, v, ok, atMost(1), "%.2f×")
		v, ok = r.ratio("http", cas, "cpu_us", "shio", "fasthttp")
		add("small requests", "total CPU per request ≤ fasthttp's, "+label, v, ok, atMost(1), "%.2f×")
	}
	v, ok = r.ratio("http", "64x16", "rps", "shio", "hyper")
	add("small requests", "pipelined req/s ≥ hyper's", v, ok, atLeast(1), "%.2f×")
	v, ok = r.ratio("http", "64x16", "rps", "shio", "gnet")
	add("small requests", "pipelined req/s ≥ 0.7× gnet's bare responder", v, ok, atLeast(0.7), "%.2f×")
	for _, cas := range []string{"64", "256"} {
		for _, p := range []string{"hyper", "fasthttp"} {
			v, ok = r.ratio("http", cas, "rps", "shio", p)
			add("small requests", cas+"-connection req/s ≥ "+name("http", p)+"'s", v, ok, atLeast(1), "%.2f×")
		}
	}
	v, ok = r.ratio("bulk", "/file/bulk1m", "rps", "shio", "net-http")
	add("http1 bulk", "1 MiB via http.FileServer ≥ 1.5× net/http req/s", v, ok, atLeast(1.5), "%.2f×")
	for _, c := range bulkCols {
		if c.cas == "/file/bulk1m" || c.cas == "upload-chunked" {
			continue
		}
		v, ok = r.ratio("bulk", c.cas, "rps", "shio", "net-http")
		add("http1 bulk", "≥ 1.0× net/http, "+c.label, v, ok, atLeast(1), "%.2f×")
	}
	for _, c := range bulkCols {
		v, ok = r.ratio("bulk", c.cas, "cpu_mb", "shio", "net-http")
		add("http1 bulk", "server CPU per MB ≤ net/http's, "+c.label, v, ok, atMost(1), "%.2f×")
	}

	v, ok = r.ratio("gen", "64", "rps", "shio-bench", "wrk")
	add("bench", "shio bench drives ≥ 1.0× wrk -t1's req/s (fasthttp, 64 conns)", v, ok, atLeast(1), "%.2f×")
	v, ok = r.ratio("gen", "64", "p50_us", "shio-bench", "wrk")
	add("bench", "shio bench p50 within 20% of wrk's", v, ok, within(0.2), "%.2f×")
	v, ok = r.ratio("gen", "64", "p99_us", "shio-bench", "wrk")
	add("bench", "shio bench p99 within 20% of wrk's", v, ok, within(0.2), "%.2f×")
	return ts
}

// markdown renders docs/benchmarks.md.
func markdown(r *results, facts map[string]string, commands, notes, cmdline string, elapsed int, svgName string) string {
	var b strings.Builder
	rounds := facts["rounds"]
	fmt.Fprintf(&b, "# Benchmarks: shio against its peers\n\n")
	fmt.Fprintf(&b, "Generated by `bench/run` (%s; rounds: %s of %s per workload, servers alternated A B C … "+
		"each round; medians of the rounds, the mean of the middle two for an even count; idle memory at %s connections). Regenerate with:\n\n    %s\n\n",
		facts["date"], rounds, facts["duration"], facts["idle"], cmdline)
	if n, _ := strconv.Atoi(rounds); n < 2 || facts["idle"] != "19000" {
		b.WriteString("**This is a smoke configuration (fewer than two rounds, or idle memory not at 19,000 " +
			"connections): it shows that the harness works, not how the servers compare. The targets below " +
			"are stated at 19,000 connections and over several rounds.**\n\n")
	}
	fmt.Fprintf(&b, "Every server runs alone on **CPU 0** (`taskset -c 0`, `GOMAXPROCS=1` or tokio's current-thread "+
		"runtime); every load generator runs on **CPU 1**. Ratios are ratios of medians. Two runs of the same "+
		"server can differ by ~20%% on a shared machine: read the table with the load average below in mind, "+
		"and the individual rounds (under each table) before quoting a ratio.\n\n")
	fmt.Fprintf(&b, "![throughput and idle memory per server](%s)\n\n", svgName)

	b.WriteString("## Machine\n\n| | |\n|---|---|\n")
	for _, f := range [][2]string{
		{"CPU", "cpu"}, {"cores", "cores"}, {"kernel", "kernel"}, {"Go", "go"}, {"rustc (tokio, hyper)", "rustc"},
		{"wrk", "wrk"}, {"open-file limit", "nofile"}, {"date", "date"}, {"load average at start (1, 5, 15 min)", "loadavg"},
	} {
		fmt.Fprintf(&b, "| %s | %s |\n", f[0], facts[f[1]])
	}
	fmt.Fprintf(&b, "| run time | %d s |\n\n", elapsed)

	b.WriteString("## Targets\n\nFrom the reactor, http1 and bench issues, evaluated on this run's medians:\n\n" +
		"| issue | target | this run | |\n|---|---|---:|---|\n")
	for _, t := range targets(r) {
		verdict := "not measured"
		switch {
		case t.known && t.ok:
			verdict = "met"
		case t.known:
			verdict = "**missed**"
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", t.issue, t.what, t.value, verdict)
	}

	if len(r.impls["echo"]) > 0 {
		fmt.Fprintf(&b, "\n## TCP echo (reactor)\n\n64-byte messages, echoload (on shio's reactor) as the load; msgs/s, "+
			"medians; idle: server RSS growth per connection at %s idle connections after one message each.\n\n", facts["idle"])
		suiteTables(&b, r, "echo", echoCols, echoPeers, "message", "msgs/s")
	}
	if len(r.impls["http"]) > 0 {
		fmt.Fprintf(&b, "## HTTP/1.1 \"Hello, World!\" (http1)\n\nwrk -t1; req/s, medians; shio, net/http and nbio serve a "+
			"standard `http.Handler`, fasthttp its native handler, gnet is a bare responder (not a full server), "+
			"hyper a `service_fn`. Idle: server RSS growth per keep-alive connection at %s connections after one "+
			"request each.\n\n", facts["idle"])
		suiteTables(&b, r, "http", httpCols, httpPeers, "request", "req/s")
	}
	if len(r.impls["bulk"]) > 0 {
		b.WriteString("## HTTP/1.1 bulk bodies (http1)\n\n`http/bulk.sh`: wrk -t1 -c16 for the responses (req/s), " +
			"5 sequential 50 MB POSTs with curl for the uploads (MB/s, hashed with SHA-256 by the handler as it reads); " +
			"medians. shio and net/http serve the same `http.Handler` (the file through `http.FileServer`, which " +
			"uses sendfile on both); fasthttp its native handler (`SetBody`, `RequestCtx.SendFile`, the request " +
			"body stream).\n\n")
		bulkTables(&b, r)
	}
	if len(r.impls["gen"]) > 0 {
		b.WriteString("## Load generator check: `shio bench` vs `wrk -t1`\n\nBoth on CPU 1 against fasthttp on CPU 0, " +
			"64 connections, alternated; medians (latency in µs). \"mean ÷ bound\" is the mean latency over the " +
			"most a closed loop can measure (64 connections ÷ req/s, Little's law): above 1, the tool reports " +
			"latencies it did not measure (wrk adds synthetic samples to correct for coordinated omission; see " +
			"bench/latency/README.md).\n\n| generator | req/s | p50 | p99 | mean ÷ bound | rounds (req/s) |\n|---|---:|---:|---:|---:|---|\n")
		for _, g := range r.impls["gen"] {
			rps, _ := r.med("gen", "64", g, "rps")
			p50, ok50 := r.med("gen", "64", g, "p50_us")
			p99, ok99 := r.med("gen", "64", g, "p99_us")
			mean, okm := r.med("gen", "64", g, "mean_us")
			bound, okb := r.med("gen", "64", g, "little_us")
			f := func(v float64, ok bool) string {
				if !ok {
					return "–"
				}
				return fmt.Sprintf("%.0f", v)
			}
			over := "–"
			if okm && okb && bound > 0 {
				over = fmt.Sprintf("%.2f", mean/bound)
			}
			fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s |\n", name("gen", g), human(rps), f(p50, ok50), f(p99, ok99),
				over, runs(r.vals[key{"gen", "64", g, "rps"}], human))
		}
		fmt.Fprintf(&b, "| **shio bench / wrk** | %s | %s | %s | | |\n\n",
			fmtRatio(r.ratio("gen", "64", "rps", "shio-bench", "wrk")),
			fmtRatio(r.ratio("gen", "64", "p50_us", "shio-bench", "wrk")),
			fmtRatio(r.ratio("gen", "64", "p99_us", "shio-bench", "wrk")))
	}
	if strings.TrimSpace(notes) != "" {
		b.WriteString("## Notes from the run\n\n")
		for line := range strings.Lines(strings.TrimSpace(notes)) {
			fmt.Fprintf(&b, "- %s\n", strings.TrimSpace(line))
		}
		b.WriteString("\n")
	}
	fmt.Fprintf(&b, "## Commands\n\n`%s` ran (from `bench/`):\n\n```sh\n%s```\n", cmdline, commands)
	return b.String()
}

// bulkTables writes the bulk suite: rates with their ratio rows, then the
// server CPU per MB, total and user, with theirs.
func bulkTables(b *strings.Builder, r *results) {
	impls := r.impls["bulk"]
	header := func() {
		b.WriteString("| server |")
		for _, c := range bulkCols {
			fmt.Fprintf(b, " %s |", c.label)
		}
		b.WriteString("\n|---|")
		for range bulkCols {
			b.WriteString("---:|")
		}
		b.WriteString("\n")
	}
	cell := func(impl, cas, metric string, f func(float64) string) string {
		if v, ok := r.med("bulk", cas, impl, metric); ok {
			return f(v)
		}
		return "–"
	}
	ratios := func(metric string) {
		for _, p := range bulkPeers {
			if !r.has("bulk", p) || !r.has("bulk", "shio") {
				continue
			}
			fmt.Fprintf(b, "| **shio / %s** |", name("bulk", p))
			for _, c := range bulkCols {
				fmt.Fprintf(b, " %s |", fmtRatio(r.ratio("bulk", c.cas, metric, "shio", p)))
			}
			b.WriteString("\n")
		}
	}
	header()
	for _, impl := range impls {
		fmt.Fprintf(b, "| %s |", name("bulk", impl))
		for _, c := range bulkCols {
			fmt.Fprintf(b, " %s |", cell(impl, c.cas, "rps", human))
		}
		b.WriteString("\n")
	}
	ratios("rps")
	b.WriteString("\n(req/s; MB/s for the uploads)\n\nServer CPU time per MB moved, µs, total (user), medians:\n\n")
	header()
	us := func(v float64) string { return fmt.Sprintf("%.0f", v) }
	for _, impl := range impls {
		fmt.Fprintf(b, "| %s |", name("bulk", impl))
		for _, c := range bulkCols {
			fmt.Fprintf(b, " %s (%s) |", cell(impl, c.cas, "cpu_mb", us), cell(impl, c.cas, "ucpu_mb", us))
		}
		b.WriteString("\n")
	}
	ratios("cpu_mb")
	b.WriteString("\n<details><summary>Every round (req/s or MB/s, in the order run)</summary>\n\n")
	header()
	for _, impl := range impls {
		fmt.Fprintf(b, "| %s |", name("bulk", impl))
		for _, c := range bulkCols {
			fmt.Fprintf(b, " %s |", runs(r.vals[key{"bulk", c.cas, impl, "rps"}], human))
		}
		b.WriteString("\n")
	}
	b.WriteString("\n</details>\n\n")
}
