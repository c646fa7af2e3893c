package main

import (
	"encoding/xml"
	"io"
	"math"
	"strings"
	"testing"
)

const sample = "echo\t64:1\tshio\t1\trps\t110\n" +
	"echo\t64:1\tgnet\t1\trps\t100\n" +
	"echo\t64:1\tshio\t2\trps\t130\n" +
	"echo\t64:1\tgnet\t2\trps\t100\n" +
	"echo\t64:1\tshio\t3\trps\t90\n" +
	"echo\t64:1\tgnet\t3\trps\t400\n" +
	"echo\tidle\tshio\t1\tkib_per_conn\t0.3\n" +
	"http\t64\tshio\t1\trps\t1000\n" +
	"http\t64\tfasthttp\t1\trps\t800\n" +
	"http\t64\tshio\t1\tcpu_us\t8\n" +
	"http\t64\tfasthttp\t1\tcpu_us\t10\n" +
	"http\tidle\tshio\t1\tkib_per_conn\t2\n" +
	"gen\t64\twrk\t1\trps\t100\n" +
	"gen\t64\tshio-bench\t1\trps\t99\n"

func TestMedian(t *testing.T) {
	for _, tc := range []struct {
		in   []float64
		want float64
	}{
		{[]float64{3}, 3},
		{[]float64{3, 1, 2}, 2},
		{[]float64{4, 1, 3, 2}, 2.5},
		{[]float64{5, 5, 1, 100, 5}, 5},
	} {
		if got, ok := median(tc.in); !ok || got != tc.want {
			t.Errorf("median(%v) = %v, %v; want %v", tc.in, got, ok, tc.want)
		}
	}
	if _, ok := median(nil); ok {
		t.Error("median(nil) reported a value")
	}
}

func TestParseResultsRejectsBadLines(t *testing.T) {
	for _, in := range []string{"echo\t64:1\tshio\t1\trps\n", "echo\t64:1\tshio\t1\trps\tfast\n"} {
		if _, err := parseResults(strings.NewReader(in)); err == nil {
			t.Errorf("parseResults(%q) succeeded", in)
		}
	}
}

func TestRatiosAreOfMedians(t *testing.T) {
	r, err := parseResults(strings.NewReader(sample))
	if err != nil {
		t.Fatal(err)
	}
	// shio's median is 110 and gnet's 100, though the mean ratio differs.
	if got, ok := r.ratio("echo", "64:1", "rps", "shio", "gnet"); !ok || math.Abs(got-1.1) > 1e-9 {
		t.Errorf("shio/gnet = %v, %v; want 1.1", got, ok)
	}
	if _, ok := r.ratio("echo", "64:1", "rps", "shio", "tokio"); ok {
		t.Error("ratio against an absent server reported a value")
	}
	if got := r.impls["echo"]; len(got) != 2 || got[0] != "shio" || got[1] != "gnet" {
		t.Errorf("echo servers = %v; want [shio gnet] in order of appearance", got)
	}
}

func TestTargets(t *testing.T) {
	r, err := parseResults(strings.NewReader(sample))
	if err != nil {
		t.Fatal(err)
	}
	verdict := map[string]target{}
	for _, tg := range targets(r) {
		verdict[tg.what] = tg
	}
	for what, want := range map[string]string{
		"msgs/s ≥ 1.1× gnet, 64 conns":                                  "met",
		"msgs/s ≥ tokio, 64 conns":                                      "unknown",
		"idle RSS ≤ 0.5 KiB per connection":                             "met",
		"req/s ≥ 1.2× fasthttp, 64 conns":                               "met",
		"server CPU per request ≤ 0.8× fasthttp's, 64 conns":            "met",
		"idle RSS ≤ 1 KiB per keep-alive connection":                    "missed",
		"shio bench drives ≥ 1.0× wrk -t1's req/s (fasthttp, 64 conns)": "missed",
	} {
		tg, ok := verdict[what]
		if !ok {
			t.Errorf("no target %q", what)
			continue
		}
		got := "unknown"
		if tg.known && tg.ok {
			got = "met"
		} else if tg.known {
			got = "missed"
		}
		if got != want {
			t.Errorf("%q: %s (value %s); want %s", what, got, tg.value, want)
		}
	}
}

func TestOutputs(t *testing.T) {
	r, err := parseResults(strings.NewReader(sample))
	if err != nil {
		t.Fatal(err)
	}
	facts := map[string]string{"cpu": "Test <CPU> & co", "rounds": "3", "idle": "19000", "duration": "3s"}
	md := markdown(r, facts, "cmd\n", "tokio skipped\n", "bench/run", 10, "benchmarks.svg")
	for _, want := range []string{"| **shio / gnet** | 1.10× |", "| **shio / fasthttp** | 1.25× |", "- tokio skipped", "![", "Test <CPU> & co"} {
		if !strings.Contains(md, want) {
			t.Errorf("markdown lacks %q", want)
		}
	}
	if strings.Contains(md, "smoke configuration") {
		t.Error("a 3-round, 19,000-connection run is flagged as a smoke configuration")
	}
	svg := chart(r, facts)
	d := xml.NewDecoder(strings.NewReader(svg))
	for {
		_, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("chart is not well-formed XML: %v", err)
		}
	}
	if !strings.Contains(svg, "Test &lt;CPU&gt; &amp; co") {
		t.Error("chart does not escape the CPU name")
	}
}

func TestKeptSectionSurvivesRegeneration(t *testing.T) {
	old := "# generated\n\n| a | b |\n\n" + keptMarker + "\n\n## Tried and rejected\n\nx was 3% slower.\n"
	got := keptSection(old)
	if !strings.HasPrefix(got, "\n"+keptMarker) || !strings.HasSuffix(got, "x was 3% slower.\n") {
		t.Fatalf("keptSection = %q", got)
	}
	if keptSection("# generated, nothing kept\n") != "" {
		t.Fatal("a report without the marker kept something")
	}
}
