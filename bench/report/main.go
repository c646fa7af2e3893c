// Command report turns the raw results of bench/run into docs/benchmarks.md
// (tables of medians, ratios against the named peers, the issues' targets,
// the machine and the commands) and docs/benchmarks.svg (throughput and
// idle memory per server, drawn by hand as small bar charts).
//
//	go run ./report -results results.tsv -facts facts -commands commands.txt \
//		-md ../docs/benchmarks.md -svg ../docs/benchmarks.svg
//
// The results file has one measurement per line, tab-separated:
//
//	suite  case  server  round  metric  value
//
// with suite echo, http or gen; metric rps (messages or requests per second),
// cpu_us (server CPU microseconds per message or request), kib_per_conn
// (server RSS growth per idle connection, case "idle"), p50_us or p99_us.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
)

func main() {
	resultsPath := flag.String("results", "", "bench/run's results.tsv")
	factsPath := flag.String("facts", "", "key=value machine facts")
	commandsPath := flag.String("commands", "", "the commands that produced the results, verbatim")
	notesPath := flag.String("notes", "", "notes from the run (skipped servers, errors); may be missing")
	cmdline := flag.String("cmdline", "bench/run", "the command that ran the whole benchmark")
	elapsed := flag.Int("elapsed", 0, "seconds the run took so far")
	mdPath := flag.String("md", "", "markdown output")
	svgPath := flag.String("svg", "", "SVG output")
	extraPath := flag.String("extra", "", "markdown written by another script (bench/ws/run.sh), appended to the generated part; may be missing")
	flag.Parse()
	if err := run(*resultsPath, *factsPath, *commandsPath, *notesPath, *cmdline, *elapsed, *mdPath, *svgPath, *extraPath); err != nil {
		fmt.Fprintln(os.Stderr, "report:", err)
		os.Exit(1)
	}
}

func run(resultsPath, factsPath, commandsPath, notesPath, cmdline string, elapsed int, mdPath, svgPath, extraPath string) error {
	f, err := os.Open(resultsPath)
	if err != nil {
		return err
	}
	defer f.Close()
	res, err := parseResults(f)
	if err != nil {
		return err
	}
	facts, err := readFacts(factsPath)
	if err != nil {
		return err
	}
	commands, err := os.ReadFile(commandsPath)
	if err != nil {
		return err
	}
	notes, _ := os.ReadFile(notesPath) // absent when nothing was noted
	svgName := svgPath[strings.LastIndex(svgPath, "/")+1:]
	md := markdown(res, facts, string(commands), string(notes), cmdline, elapsed, svgName)
	if extraPath != "" {
		if extra, err := os.ReadFile(extraPath); err == nil && len(extra) > 0 {
			md += "\n" + string(extra)
		}
	}
	if old, err := os.ReadFile(mdPath); err == nil {
		md += keptSection(string(old))
	}
	if err := os.WriteFile(mdPath, []byte(md), 0o644); err != nil {
		return err
	}
	return os.WriteFile(svgPath, []byte(chart(res, facts)), 0o644)
}

// keptMarker starts the part of docs/benchmarks.md that people write and
// bench/run keeps: measurements that are not in its tables (experiments
// tried and rejected, figures behind a design decision).
const keptMarker = "<!-- kept by bench/run: write below this line -->"

// keptSection returns the hand-written part of an earlier report (from
// keptMarker to the end), or "" when it has none.
func keptSection(old string) string {
	i := strings.Index(old, keptMarker)
	if i < 0 {
		return ""
	}
	return "\n" + old[i:]
}

// readFacts reads key=value lines.
func readFacts(path string) (map[string]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	facts := map[string]string{}
	for line := range strings.Lines(string(b)) {
		if k, v, ok := strings.Cut(strings.TrimSpace(line), "="); ok {
			facts[k] = v
		}
	}
	return facts, nil
}

// readLines is bufio.Scanner over r, for parseResults.
func readLines(r io.Reader) ([]string, error) {
	var lines []string
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	return lines, sc.Err()
}
