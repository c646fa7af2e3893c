package loadgen

import (
	"math"
	"slices"
	"sync"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
)

// maxLatency is the largest latency a Histogram tells apart; larger values
// are recorded as maxLatency.
const maxLatency = time.Hour

// Histogram is a latency histogram with three significant digits (0.1%
// relative error) from 1ns to one hour, backed by an HDR histogram.
//
// The zero value is not usable; call [NewHistogram]. A Histogram is safe for
// concurrent use; it costs about 300 KiB whatever the number of samples, and
// a Record takes a lock, so hot loops batch their samples (see batch).
type Histogram struct {
	mu sync.Mutex
	h  *hdrhistogram.Histogram // guarded by mu
}

// NewHistogram returns an empty Histogram.
func NewHistogram() *Histogram {
	return &Histogram{h: hdrhistogram.New(1, int64(maxLatency), 3)}
}

// Record adds one sample. Negative durations count as zero; durations over
// an hour as one hour.
func (h *Histogram) Record(d time.Duration) {
	h.mu.Lock()
	h.recordLocked(int64(d))
	h.mu.Unlock()
}

// recordAll adds a batch of samples, in nanoseconds, under one lock.
func (h *Histogram) recordAll(ns []int64) {
	h.mu.Lock()
	for _, v := range ns {
		h.recordLocked(v)
	}
	h.mu.Unlock()
}

func (h *Histogram) recordLocked(v int64) {
	v = min(max(v, 0), int64(maxLatency))
	_ = h.h.RecordValue(v) // cannot fail: v is within the trackable range
}

// Count returns the number of samples recorded.
func (h *Histogram) Count() int64 {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.h.TotalCount()
}

// Percentile returns the smallest recorded value (to 0.1%) that p percent
// of the samples do not exceed; p is in [0, 100]. It returns 0 for an empty
// histogram.
func (h *Histogram) Percentile(p float64) time.Duration {
	h.mu.Lock()
	defer h.mu.Unlock()
	return time.Duration(h.h.ValueAtPercentile(p))
}

// Max returns the largest sample (to 0.1%), or 0 for an empty histogram.
func (h *Histogram) Max() time.Duration {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.h.TotalCount() == 0 {
		return 0
	}
	return time.Duration(h.h.Max())
}

// Min returns the smallest sample (to 0.1%), or 0 for an empty histogram.
func (h *Histogram) Min() time.Duration {
	h.mu.Lock()
	defer h.mu.Unlock()
	return time.Duration(h.h.Min())
}

// Mean returns the mean of the samples (to 0.1%), or 0 for an empty
// histogram.
func (h *Histogram) Mean() time.Duration {
	h.mu.Lock()
	defer h.mu.Unlock()
	return time.Duration(h.h.Mean())
}

// Merge adds every sample of other to h.
func (h *Histogram) Merge(other *Histogram) {
	if h == other {
		panic("loadgen: Histogram merged into itself")
	}
	other.mu.Lock()
	c := other.h.Export()
	other.mu.Unlock()
	h.mu.Lock()
	h.h.Merge(hdrhistogram.Import(c))
	h.mu.Unlock()
}

// Bucket is one row of a text histogram: Count samples in [From, To).
type Bucket struct {
	From  time.Duration `json:"from_ns"`
	To    time.Duration `json:"to_ns"`
	Count int64         `json:"count"`
}

// Buckets divides the range from the smallest to the largest sample into at
// most n buckets of geometrically growing width (equal width on a log
// scale) and counts the samples in each. It returns nil for an empty
// histogram. The counts add up to [Histogram.Count].
func (h *Histogram) Buckets(n int) []Bucket {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.h.TotalCount() == 0 || n <= 0 {
		return nil
	}
	lo, hi := h.h.Min(), h.h.Max()+1 // samples are in [lo, hi)
	// Edges grow geometrically from max(lo, 1) to hi, rounded to whole
	// nanoseconds and kept strictly increasing, so a narrow range gets
	// fewer buckets.
	first := float64(max(lo, 1))
	ratio := math.Pow(float64(hi)/first, 1/float64(n))
	edges := []int64{lo}
	for i := 1; i < n && edges[len(edges)-1] < hi-1; i++ {
		e := max(int64(first*math.Pow(ratio, float64(i))), edges[len(edges)-1]+1)
		if e >= hi {
			break
		}
		edges = append(edges, e)
	}
	edges = append(edges, hi)
	out := make([]Bucket, len(edges)-1)
	for i := range out {
		out[i].From, out[i].To = time.Duration(edges[i]), time.Duration(edges[i+1])
	}
	for _, bar := range h.h.Distribution() {
		if bar.Count == 0 {
			continue
		}
		// Place each HDR bucket by its lowest value: HDR buckets are far
		// narrower (0.1%) than ours, so this misplaces nothing visible.
		i, found := slices.BinarySearch(edges, bar.From)
		if !found {
			i--
		}
		out[min(max(i, 0), len(out)-1)].Count += bar.Count
	}
	// Drop empty buckets at either end.
	for len(out) > 1 && out[0].Count == 0 {
		out = out[1:]
	}
	for len(out) > 1 && out[len(out)-1].Count == 0 {
		out = out[:len(out)-1]
	}
	return out
}

// batchSize is how many samples a worker gathers before taking the
// histogram's lock.
const batchSize = 256

// batch gathers one worker's samples and flushes them into a shared
// Histogram. It belongs to one goroutine.
type batch struct {
	h  *Histogram
	ns [batchSize]int64
	n  int
}

func (b *batch) record(ns int64) {
	b.ns[b.n] = ns
	b.n++
	if b.n == batchSize {
		b.flush()
	}
}

func (b *batch) flush() {
	if b.n > 0 {
		b.h.recordAll(b.ns[:b.n])
		b.n = 0
	}
}
