package loadgen

import (
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Report is a run's summary as people read it ([Report.WriteText]) and as
// scripts read it (its JSON encoding, field names as tagged). Durations are
// in microseconds or seconds, as the field names say. [Result.Report] and
// [IdleResult.Report] fill in what was measured; the caller fills in what
// was asked (Mode, Target, Loop and so on).
type Report struct {
	Mode     string  `json:"mode"` // "http", "echo", "ws" or "idle"
	Target   string  `json:"target"`
	Dialer   string  `json:"dialer,omitempty"`
	Loop     string  `json:"loop,omitempty"` // "closed" or "open"
	Conns    int     `json:"connections"`
	Pipeline int     `json:"pipeline,omitempty"`
	Rate     float64 `json:"target_rate,omitempty"` // open loop: requests/s asked for
	Size     int     `json:"size,omitempty"`        // echo: message size

	Elapsed      float64 `json:"elapsed_s"`
	Requests     int64   `json:"requests"` // or echo messages
	Throughput   float64 `json:"requests_per_s"`
	BytesRead    int64   `json:"bytes_read"`
	BytesWritten int64   `json:"bytes_written"`
	Connects     int64   `json:"connects,omitempty"`

	Latency   *LatencyReport   `json:"latency_us,omitempty"`
	Histogram []Bucket         `json:"histogram,omitempty"`
	Status    map[string]int64 `json:"status,omitempty"`
	Errors    map[string]int64 `json:"errors"`
	// ErrorExamples holds the first message seen of each kind of error.
	ErrorExamples map[string]string `json:"error_examples,omitempty"`
	ErrorSum      int64             `json:"error_total"`
	Idle          *IdleReport       `json:"idle,omitempty"`

	// Err is the run's error, if any: the results above are then partial.
	Err string `json:"error,omitempty"`
}

// LatencyReport holds latency statistics in microseconds.
type LatencyReport struct {
	Min  float64 `json:"min"`
	Mean float64 `json:"mean"`
	P50  float64 `json:"p50"`
	P90  float64 `json:"p90"`
	P99  float64 `json:"p99"`
	P999 float64 `json:"p99_9"`
	Max  float64 `json:"max"`
}

// IdleReport is the idle-connection part of a Report.
type IdleReport struct {
	Held        int         `json:"held"`
	Alive       int         `json:"alive_at_end"`
	Sources     int         `json:"source_addresses"`
	FileLimit   uint64      `json:"file_limit"`
	DialTime    float64     `json:"dial_time_s"`
	PID         int         `json:"pid,omitempty"`
	Before      *ProcSample `json:"before,omitempty"`
	After       *ProcSample `json:"after,omitempty"`
	RSSPerConn  float64     `json:"rss_bytes_per_conn,omitempty"`
	CPUPerConn  float64     `json:"cpu_us_per_conn,omitempty"`
	SampleError string      `json:"sample_error,omitempty"`
}

// histogramRows is the number of rows of the text histogram.
const histogramRows = 10

func us(d time.Duration) float64 { return float64(d) / float64(time.Microsecond) }

// Report summarizes r.
func (r *Result) Report() *Report {
	rep := &Report{
		Conns:        r.Conns,
		Elapsed:      r.Elapsed.Seconds(),
		Requests:     r.Requests,
		Throughput:   r.Rate(),
		BytesRead:    r.BytesRead,
		BytesWritten: r.BytesWritten,
		Connects:     r.Connects,
		Errors:       errorMap(r.Errors),
		ErrorSum:     r.ErrorCount(),
	}
	for k, e := range r.ErrorExamples {
		if e != "" {
			if rep.ErrorExamples == nil {
				rep.ErrorExamples = map[string]string{}
			}
			rep.ErrorExamples[Kind(k).String()] = e
		}
	}
	if h := r.Latency; h != nil && h.Count() > 0 {
		rep.Latency = &LatencyReport{
			Min: us(h.Min()), Mean: us(h.Mean()), Max: us(h.Max()),
			P50: us(h.Percentile(50)), P90: us(h.Percentile(90)),
			P99: us(h.Percentile(99)), P999: us(h.Percentile(99.9)),
		}
		rep.Histogram = h.Buckets(histogramRows)
	}
	if len(r.Status) > 0 {
		rep.Status = map[string]int64{}
		for s, n := range r.Status {
			rep.Status[strconv.Itoa(s)] = n
		}
	}
	return rep
}

// Report summarizes r.
func (r *IdleResult) Report() *Report {
	rep := &Report{
		Mode:     "idle",
		Conns:    r.Conns,
		Elapsed:  r.Elapsed.Seconds(),
		Errors:   errorMap(r.Errors),
		ErrorSum: r.ErrorCount(),
		Idle: &IdleReport{
			Held: r.Held, Alive: r.Alive, Sources: r.Sources, FileLimit: r.FileLimit,
			DialTime: r.DialTime.Seconds(), Before: r.Before, After: r.After,
		},
	}
	if r.Before != nil && r.After != nil && r.Held > 0 {
		rep.Idle.RSSPerConn = float64(r.After.RSS-r.Before.RSS) / float64(r.Held)
		rep.Idle.CPUPerConn = us(r.After.CPU-r.Before.CPU) / float64(r.Held)
	}
	if r.ProcErr != nil {
		rep.Idle.SampleError = r.ProcErr.Error()
	}
	if r.FirstErr != nil {
		rep.ErrorExamples = map[string]string{KindConnect.String(): r.FirstErr.Error()}
	}
	return rep
}

func errorMap(errs [numKinds]int64) map[string]int64 {
	m := map[string]int64{}
	for k, n := range errs {
		if n > 0 {
			m[Kind(k).String()] = n
		}
	}
	return m
}

// WriteText writes the report for people: a few aligned lines, a text
// histogram and the error breakdown.
func (rep *Report) WriteText(w io.Writer) error {
	var b strings.Builder
	what := "requests"
	if rep.Mode == "echo" || rep.Mode == "ws" {
		what = "messages"
	}
	fmt.Fprintf(&b, "%s %s", rep.Mode, rep.Target)
	for _, s := range []string{rep.Loop + " loop", plural(rep.Conns, "connection"), pipelineText(rep.Pipeline), rateText(rep.Rate), sizeText(rep.Size), dialerText(rep.Dialer)} {
		if s != "" && s != " loop" {
			b.WriteString(", " + s)
		}
	}
	b.WriteString("\n")
	if rep.Idle != nil {
		rep.writeIdle(&b)
	} else {
		fmt.Fprintf(&b, "  %-10s %d in %.2fs: %.1f/s; read %s, wrote %s\n", what, rep.Requests, rep.Elapsed,
			rep.Throughput, bytesText(rep.BytesRead), bytesText(rep.BytesWritten))
	}
	if l := rep.Latency; l != nil {
		fmt.Fprintf(&b, "  %-10s p50 %s  p90 %s  p99 %s  p99.9 %s  max %s  (min %s, mean %s)\n", "latency",
			usText(l.P50), usText(l.P90), usText(l.P99), usText(l.P999), usText(l.Max), usText(l.Min), usText(l.Mean))
		writeHistogram(&b, rep.Histogram)
	}
	if len(rep.Status) > 0 {
		codes := make([]string, 0, len(rep.Status))
		for c := range rep.Status {
			codes = append(codes, c)
		}
		sort.Strings(codes)
		b.WriteString("  status    ")
		for _, c := range codes {
			fmt.Fprintf(&b, " %s ×%d", c, rep.Status[c])
		}
		b.WriteString("\n")
	}
	b.WriteString("  errors    ")
	if len(rep.Errors) == 0 {
		b.WriteString(" none\n")
	} else {
		kinds := make([]string, 0, len(rep.Errors))
		for k := range rep.Errors {
			kinds = append(kinds, k)
		}
		sort.Strings(kinds)
		for i, k := range kinds {
			if i > 0 {
				b.WriteString(",")
			}
			fmt.Fprintf(&b, " %s %d", k, rep.Errors[k])
		}
		b.WriteString("\n")
		for _, k := range kinds {
			if e := rep.ErrorExamples[k]; e != "" {
				fmt.Fprintf(&b, "             first %s: %s\n", k, e)
			}
		}
	}
	if rep.Err != "" {
		fmt.Fprintf(&b, "  %-10s %s (results above are partial)\n", "failed", rep.Err)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func (rep *Report) writeIdle(b *strings.Builder) {
	r := rep.Idle
	fmt.Fprintf(b, "  %-10s %d of %d opened in %.2fs from %s (open-file limit %d); %d still open at the end\n",
		"held", r.Held, rep.Conns, r.DialTime, plural(r.Sources, "source address"), r.FileLimit, r.Alive)
	switch {
	case r.Before != nil && r.After != nil:
		fmt.Fprintf(b, "  %-10s pid %d: RSS %s → %s (%.0f bytes per connection), CPU %v (%.1fµs per connection)\n",
			"server", r.PID, bytesText(r.Before.RSS), bytesText(r.After.RSS), r.RSSPerConn,
			(r.After.CPU - r.Before.CPU).Round(time.Millisecond), r.CPUPerConn)
	case r.SampleError != "":
		fmt.Fprintf(b, "  %-10s pid %d: %s\n", "server", r.PID, r.SampleError)
	}
}

func writeHistogram(b *strings.Builder, bs []Bucket) {
	var total, most int64
	for _, x := range bs {
		total += x.Count
		most = max(most, x.Count)
	}
	if total == 0 {
		return
	}
	const width = 30
	for _, x := range bs {
		bar := int((x.Count*width + most - 1) / most)
		fmt.Fprintf(b, "    %s – %s %-*s %5.1f%%  %d\n", pad(usText(us(x.From)), -9), pad(usText(us(x.To)), 9), width,
			strings.Repeat("#", bar), 100*float64(x.Count)/float64(total), x.Count)
	}
}

// pad pads s with spaces to width runes, on the left when width is
// negative, on the right otherwise (fmt pads by bytes, and µ is two).
func pad(s string, width int) string {
	n := utf8.RuneCountInString(s)
	if width < 0 {
		return strings.Repeat(" ", max(-width-n, 0)) + s
	}
	return s + strings.Repeat(" ", max(width-n, 0))
}

// usText formats microseconds with three significant digits and a unit.
func usText(v float64) string {
	switch {
	case v < 1:
		return strconv.FormatFloat(v*1000, 'f', 0, 64) + "ns"
	case v < 1000:
		return strconv.FormatFloat(v, 'g', 3, 64) + "µs"
	case v < 1e6:
		return strconv.FormatFloat(v/1e3, 'g', 3, 64) + "ms"
	}
	return strconv.FormatFloat(v/1e6, 'g', 3, 64) + "s"
}

func bytesText(n int64) string {
	switch {
	case n < 10<<10:
		return strconv.FormatInt(n, 10) + " B"
	case n < 10<<20:
		return strconv.FormatFloat(float64(n)/(1<<10), 'f', 1, 64) + " KiB"
	case n < 10<<30:
		return strconv.FormatFloat(float64(n)/(1<<20), 'f', 1, 64) + " MiB"
	}
	return strconv.FormatFloat(float64(n)/(1<<30), 'f', 1, 64) + " GiB"
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	if strings.HasSuffix(what, "ss") {
		return strconv.Itoa(n) + " " + what + "es"
	}
	return strconv.Itoa(n) + " " + what + "s"
}

func pipelineText(n int) string {
	if n <= 1 {
		return ""
	}
	return "pipeline " + strconv.Itoa(n)
}

func rateText(r float64) string {
	if r <= 0 {
		return ""
	}
	return "rate " + strconv.FormatFloat(r, 'g', -1, 64) + "/s"
}

func sizeText(n int) string {
	if n <= 0 {
		return ""
	}
	return strconv.Itoa(n) + "-byte messages"
}

func dialerText(d string) string {
	if d == "" {
		return ""
	}
	return "dialer " + d
}
