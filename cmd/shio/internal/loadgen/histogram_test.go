package loadgen_test

import (
	"math"
	"slices"
	"testing"
	"time"

	"github.com/shio-rt/shio/cmd/shio/internal/loadgen"
	"pgregory.net/rapid"
)

func TestHistogramPercentilesOfUniformSamples(t *testing.T) {
	h := loadgen.NewHistogram()
	for i := 1; i <= 10000; i++ {
		h.Record(time.Duration(i) * time.Microsecond)
	}
	for _, c := range []struct {
		p    float64
		want time.Duration
	}{
		{50, 5000 * time.Microsecond},
		{90, 9000 * time.Microsecond},
		{99, 9900 * time.Microsecond},
		{99.9, 9990 * time.Microsecond},
		{100, 10000 * time.Microsecond},
	} {
		if got := h.Percentile(c.p); !near(got, c.want) {
			t.Errorf("p%v = %v, want %v ± 0.1%%", c.p, got, c.want)
		}
	}
	if got := h.Max(); !near(got, 10*time.Millisecond) {
		t.Errorf("max %v, want 10ms", got)
	}
	if got := h.Min(); !near(got, time.Microsecond) {
		t.Errorf("min %v, want 1µs", got)
	}
	if got := h.Mean(); !near(got, 5000500*time.Nanosecond) {
		t.Errorf("mean %v, want 5.0005ms", got)
	}
}

func TestEmptyHistogramReportsZeros(t *testing.T) {
	h := loadgen.NewHistogram()
	if h.Count() != 0 || h.Percentile(99) != 0 || h.Max() != 0 || h.Min() != 0 || h.Mean() != 0 || h.Buckets(10) != nil {
		t.Error("empty histogram reports a sample")
	}
}

func TestHistogramClampsOutOfRangeSamples(t *testing.T) {
	h := loadgen.NewHistogram()
	h.Record(-time.Second)
	h.Record(2 * time.Hour)
	if h.Count() != 2 || h.Min() != 0 || !near(h.Max(), time.Hour) {
		t.Errorf("count %d min %v max %v", h.Count(), h.Min(), h.Max())
	}
}

// TestHistogramPercentileMatchesExactRank checks, for random samples, that
// every percentile is within 0.1% of the exact sample at the same rank
// (rank = round(p/100 · n), at least 1), and that merging two histograms
// equals recording everything in one.
func TestHistogramPercentileMatchesExactRank(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		xs := rapid.SliceOfN(rapid.Int64Range(1, int64(time.Minute)), 1, 500).Draw(t, "samples")
		split := rapid.IntRange(0, len(xs)).Draw(t, "split")
		p := rapid.Float64Range(0, 100).Draw(t, "p")
		a, b, all := loadgen.NewHistogram(), loadgen.NewHistogram(), loadgen.NewHistogram()
		for i, x := range xs {
			all.Record(time.Duration(x))
			if i < split {
				a.Record(time.Duration(x))
			} else {
				b.Record(time.Duration(x))
			}
		}
		a.Merge(b)
		sorted := slices.Clone(xs)
		slices.Sort(sorted)
		rank := int(math.Floor(p/100*float64(len(xs)) + 0.5))
		rank = min(max(rank, 1), len(xs))
		want := time.Duration(sorted[rank-1])
		for _, h := range []*loadgen.Histogram{all, a} {
			if got := h.Percentile(p); !near(got, want) {
				t.Fatalf("p%v = %v, exact %v", p, got, want)
			}
			if h.Count() != int64(len(xs)) {
				t.Fatalf("count %d, want %d", h.Count(), len(xs))
			}
		}
	})
}

func TestBucketsCoverEverySample(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		xs := rapid.SliceOfN(rapid.Int64Range(1, int64(time.Second)), 1, 300).Draw(t, "samples")
		n := rapid.IntRange(1, 20).Draw(t, "buckets")
		h := loadgen.NewHistogram()
		for _, x := range xs {
			h.Record(time.Duration(x))
		}
		bs := h.Buckets(n)
		if len(bs) == 0 || len(bs) > n {
			t.Fatalf("%d buckets, want 1..%d", len(bs), n)
		}
		var sum int64
		for i, b := range bs {
			sum += b.Count
			if b.To <= b.From || (i > 0 && b.From != bs[i-1].To) {
				t.Fatalf("bucket %d is [%v, %v) after %v", i, b.From, b.To, bs[max(i-1, 0)].To)
			}
		}
		if sum != int64(len(xs)) {
			t.Fatalf("buckets hold %d samples, want %d", sum, len(xs))
		}
		if bs[0].Count == 0 || bs[len(bs)-1].Count == 0 {
			t.Fatal("empty bucket at an end")
		}
	})
}
