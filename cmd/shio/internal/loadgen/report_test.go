package loadgen_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/shio-rt/shio/cmd/shio/internal/loadgen"
)

func TestReportJSONCarriesTheSummary(t *testing.T) {
	h := loadgen.NewHistogram()
	for i := 1; i <= 100; i++ {
		h.Record(time.Duration(i) * time.Millisecond)
	}
	res := &loadgen.Result{Elapsed: 4 * time.Second, Conns: 8, Requests: 100, Status: map[int]int64{200: 100}, Latency: h}
	res.Errors[loadgen.KindTimeout] = 2
	rep := res.Report()
	rep.Mode = "http"
	b, err := json.Marshal(rep)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Mode       string             `json:"mode"`
		Throughput float64            `json:"requests_per_s"`
		Latency    map[string]float64 `json:"latency_us"`
		Histogram  []map[string]int64 `json:"histogram"`
		Status     map[string]int64   `json:"status"`
		Errors     map[string]int64   `json:"errors"`
		ErrorTotal int64              `json:"error_total"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Mode != "http" || doc.Throughput != 25 || doc.Status["200"] != 100 || doc.Errors["timeout"] != 2 || doc.ErrorTotal != 2 {
		t.Errorf("document %s", b)
	}
	if p := doc.Latency["p99"]; p < 98900 || p > 99100 {
		t.Errorf("p99 %vµs, want 99000", p)
	}
	var sum int64
	for _, bk := range doc.Histogram {
		sum += bk["count"]
	}
	if sum != 100 {
		t.Errorf("histogram holds %d, want 100", sum)
	}
}

func TestReportTextNamesAPartialRun(t *testing.T) {
	res := &loadgen.Result{Conns: 1, Latency: loadgen.NewHistogram()}
	res.Errors[loadgen.KindConnect] = 1
	rep := res.Report()
	rep.Mode, rep.Err = "http", "loadgen: no connection could be made"
	var b bytes.Buffer
	rep.WriteText(&b)
	for _, want := range []string{"connect 1", "no connection could be made", "partial"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("text lacks %q:\n%s", want, b.String())
		}
	}
}
