package main

import (
	"fmt"
	"html"
	"strings"
)

// panel is one small horizontal bar chart: one bar per server.
type panel struct {
	title  string
	suite  string
	cas    string
	metric string
	format func(float64) string
}

const (
	panelW  = 430 // width of one panel
	labelW  = 150 // server names
	barMaxW = 200
	rowH    = 17
	titleH  = 26
	gap     = 14
)

// chart renders throughput and idle memory per server as an SVG of small
// multiples: echo on the left, HTTP on the right, one panel per workload,
// each with its own linear scale starting at zero.
func chart(r *results, facts map[string]string) string {
	rate := func(v float64) string { return human(v) }
	kib := func(v float64) string { return fmt.Sprintf("%.2f KiB", v) }
	var cols [2][]panel
	for _, c := range echoCols {
		cols[0] = append(cols[0], panel{"echo msgs/s, " + c.label, "echo", c.cas, "rps", rate})
	}
	cols[0] = append(cols[0], panel{"echo idle RSS per connection (lower is better)", "echo", "idle", "kib_per_conn", kib})
	for _, c := range httpCols {
		cols[1] = append(cols[1], panel{"HTTP req/s, " + c.label, "http", c.cas, "rps", rate})
	}
	cols[1] = append(cols[1], panel{"HTTP idle RSS per keep-alive conn (lower is better)", "http", "idle", "kib_per_conn", kib})

	var body strings.Builder
	height := 0
	for ci, ps := range cols {
		y := 50
		for _, p := range ps {
			y += drawPanel(&body, r, p, ci*(panelW+gap)+10, y) + gap
		}
		height = max(height, y)
	}
	width := 2*panelW + gap + 20
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="12">`+"\n",
		width, height, width, height)
	fmt.Fprintf(&b, `<rect width="%d" height="%d" fill="#ffffff"/>`+"\n", width, height)
	fmt.Fprintf(&b, `<text x="10" y="20" font-size="15" font-weight="bold">shio vs peers: one server core (CPU 0), load on CPU 1</text>`+"\n")
	fmt.Fprintf(&b, `<text x="10" y="38" fill="#555">%s · %s · median of %s round(s) of %s each · load average at start %s</text>`+"\n",
		html.EscapeString(facts["cpu"]), html.EscapeString(facts["date"]), html.EscapeString(facts["rounds"]),
		html.EscapeString(facts["duration"]), html.EscapeString(facts["loadavg"]))
	b.WriteString(body.String())
	b.WriteString("</svg>\n")
	return b.String()
}

// drawPanel draws p at (x, y) and returns its height.
func drawPanel(b *strings.Builder, r *results, p panel, x, y int) int {
	type bar struct {
		impl string
		v    float64
	}
	var bars []bar
	top := 0.0
	for _, impl := range r.impls[p.suite] {
		if v, ok := r.med(p.suite, p.cas, impl, p.metric); ok {
			bars = append(bars, bar{impl, v})
			top = max(top, v)
		}
	}
	h := titleH + max(len(bars), 1)*rowH
	fmt.Fprintf(b, `<g transform="translate(%d,%d)">`+"\n", x, y)
	fmt.Fprintf(b, `<rect width="%d" height="%d" fill="#f6f7f9" stroke="#dde"/>`+"\n", panelW, h+4)
	fmt.Fprintf(b, `<text x="8" y="17" font-weight="bold">%s</text>`+"\n", html.EscapeString(p.title))
	if len(bars) == 0 {
		fmt.Fprintf(b, `<text x="8" y="%d" fill="#888">not measured</text>`+"\n", titleH+12)
	}
	for i, br := range bars {
		by := titleH + i*rowH
		w := 0.0
		if top > 0 {
			w = br.v / top * barMaxW
		}
		color := "#7f93b0"
		weight := "normal"
		if br.impl == "shio" {
			color, weight = "#e0702a", "bold"
		}
		fmt.Fprintf(b, `<text x="%d" y="%d" text-anchor="end" font-weight="%s">%s</text>`+"\n",
			labelW-6, by+12, weight, html.EscapeString(name(p.suite, br.impl)))
		fmt.Fprintf(b, `<rect x="%d" y="%d" width="%.1f" height="%d" fill="%s"/>`+"\n", labelW, by+2, w, rowH-4, color)
		fmt.Fprintf(b, `<text x="%.1f" y="%d" fill="#333">%s</text>`+"\n", float64(labelW)+w+4, by+12, html.EscapeString(p.format(br.v)))
	}
	b.WriteString("</g>\n")
	return h + 4
}
