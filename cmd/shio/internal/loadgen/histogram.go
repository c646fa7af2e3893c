package loadgen

import (
	"math"
	"math/bits"
	"slices"
	"sync"
	"time"
)

// maxLatency is the largest latency a Histogram tells apart; larger values
// are recorded as maxLatency.
const maxLatency = time.Hour

// The layout of a Histogram is HDR histogram's (hdrhistogram.org) for three
// significant digits from 1ns: values below subCount are counted exactly;
// above, each power-of-two range [2^k, 2^(k+1)) is split into subHalf equal
// slots, so a slot is at most 1/1024 of its values wide (under 0.1%).
const (
	subBits  = 11               // 2^11 = 2048 ≥ 2·10^3: three significant digits
	subCount = 1 << subBits     // slots of the first range, [0, 2048)
	subHalf  = subCount / 2     // slots of every later power-of-two range
	subMask  = subCount - 1     // the value bits the first range tells apart
	ranges   = 42 - subBits + 1 // 2^42 ns > maxLatency
	slots    = (ranges + 1) * subHalf
)

// slot returns the index of v's slot; 0 <= v <= maxLatency.
func slot(v int64) int {
	shift := bits.Len64(uint64(v)|subMask) - subBits // 0 in the first range
	return (shift+1)*subHalf + int(v>>shift) - subHalf
}

// slotRange returns the smallest and largest values counted in slot i.
func slotRange(i int) (lo, hi int64) {
	shift := max(i/subHalf-1, 0)
	sub := int64(i - shift*subHalf) // within [subHalf, subCount) but for shift 0
	lo = sub << shift
	return lo, lo + 1<<shift - 1
}

// Histogram is a latency histogram with three significant digits (under
// 0.1% relative error) from 1ns to one hour, in HDR histogram's layout;
// the smallest and largest samples and the mean are exact.
//
// The zero value is not usable; call [NewHistogram]. A Histogram is safe for
// concurrent use; it costs about 270 KiB whatever the number of samples, and
// a Record takes a lock, so hot loops batch their samples (see batch).
type Histogram struct {
	mu       sync.Mutex // guards the fields below
	counts   []int64    // per slot
	total    int64
	sum      float64 // of the samples, in nanoseconds
	min, max int64   // valid when total > 0
}

// NewHistogram returns an empty Histogram.
func NewHistogram() *Histogram {
	return &Histogram{counts: make([]int64, slots)}
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
	h.counts[slot(v)]++
	if h.total == 0 || v < h.min {
		h.min = v
	}
	if h.total == 0 || v > h.max {
		h.max = v
	}
	h.total++
	h.sum += float64(v)
}

// Count returns the number of samples recorded.
func (h *Histogram) Count() int64 {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.total
}

// Percentile returns the smallest recorded value (to 0.1%) that p percent
// of the samples do not exceed: the sample of rank round(p/100 · count), at
// least 1, as HDR histogram reports it (the top of its slot, here no more
// than the largest sample). p is in [0, 100]. It returns 0 for an empty
// histogram.
func (h *Histogram) Percentile(p float64) time.Duration {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.total == 0 {
		return 0
	}
	p = min(max(p, 0), 100)
	rank := max(int64(p/100*float64(h.total)+0.5), 1)
	var seen int64
	for i, n := range h.counts {
		if seen += n; seen >= rank {
			_, hi := slotRange(i)
			return time.Duration(min(max(hi, h.min), h.max))
		}
	}
	return time.Duration(h.max) // not reached: the counts add up to total
}

// Max returns the largest sample, or 0 for an empty histogram.
func (h *Histogram) Max() time.Duration {
	h.mu.Lock()
	defer h.mu.Unlock()
	return time.Duration(h.max)
}

// Min returns the smallest sample, or 0 for an empty histogram.
func (h *Histogram) Min() time.Duration {
	h.mu.Lock()
	defer h.mu.Unlock()
	return time.Duration(h.min)
}

// Mean returns the mean of the samples, or 0 for an empty histogram.
func (h *Histogram) Mean() time.Duration {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.total == 0 {
		return 0
	}
	return time.Duration(h.sum / float64(h.total))
}

// Merge adds every sample of other to h.
func (h *Histogram) Merge(other *Histogram) {
	if h == other {
		panic("loadgen: Histogram merged into itself")
	}
	other.mu.Lock()
	o := Histogram{counts: slices.Clone(other.counts), total: other.total, sum: other.sum, min: other.min, max: other.max}
	other.mu.Unlock()
	if o.total == 0 {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	for i, n := range o.counts {
		h.counts[i] += n
	}
	if h.total == 0 || o.min < h.min {
		h.min = o.min
	}
	if h.total == 0 || o.max > h.max {
		h.max = o.max
	}
	h.total += o.total
	h.sum += o.sum
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
	if h.total == 0 || n <= 0 {
		return nil
	}
	lo, hi := h.min, h.max+1 // samples are in [lo, hi)
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
	for s, c := range h.counts {
		if c == 0 {
			continue
		}
		// Place each slot by its lowest value: slots are far narrower
		// (0.1%) than buckets, so this misplaces nothing visible.
		from, _ := slotRange(s)
		i, found := slices.BinarySearch(edges, from)
		if !found {
			i--
		}
		out[min(max(i, 0), len(out)-1)].Count += c
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
