package obs_test

import (
	"testing"

	"github.com/shio-rt/shio/internal/obs"
	"pgregory.net/rapid"
)

// TestHistogramBucketIsTheSmallestBoundAbove: a duration lands in the first
// bucket whose bound is at least the duration, the snapshot's count and sum
// are those of the observations, and the quantiles are bucket bounds that
// bracket the true quantile.
func TestHistogramBucketIsTheSmallestBoundAbove(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		var h obs.Histogram
		ds := rapid.SliceOfN(rapid.Int64Range(-10, 20_000_000_000), 1, 200).Draw(t, "durations")
		var want [obs.Buckets + 1]int64
		var sum int64
		for _, d := range ds {
			h.Observe(uint32(d), d)
			d = max(d, 0)
			sum += d
			i := 0
			for i < obs.Buckets && obs.BucketBound(i) < d {
				i++
			}
			want[i]++
		}
		s := h.Snapshot()
		if s.Buckets != want || s.Count != int64(len(ds)) || s.Sum != sum {
			t.Fatalf("snapshot %+v; want buckets %v, count %d, sum %d", s, want, len(ds), sum)
		}
		q := s.Quantile(1)
		maxD := int64(0)
		for _, d := range ds {
			maxD = max(maxD, d)
		}
		if maxD > obs.BucketBound(obs.Buckets-1) {
			if q != -1 {
				t.Fatalf("Quantile(1) = %d with a duration past the last bound", q)
			}
		} else if q < maxD || (q > 1000 && q/2 >= maxD) {
			t.Fatalf("Quantile(1) = %d for a maximum of %d", q, maxD)
		}
	})
}

func TestHistogramEmptyQuantile(t *testing.T) {
	var h obs.Histogram
	if q := h.Snapshot().Quantile(0.5); q != -1 {
		t.Fatalf("Quantile of an empty histogram = %d", q)
	}
}

// TestLevelOffCostsNoAllocation pins the off path: a spawn and a join
// allocate what they did before the collector (the handle, its done
// channel, the goroutine's closure), and a park and a wake nothing more.
func TestLevelOffCostsNoAllocation(t *testing.T) {
	withLevel(t, obs.Off)
	if n := testing.AllocsPerRun(100, func() {
		if obs.Spawn(1, 0, "x", false, 0) != nil || obs.Park(t.Context(), obs.KindMutex, &t) != nil || obs.Stamp() != 0 {
			panic("collected at level off")
		}
	}); n != 0 {
		t.Fatalf("the off path allocates %v times", n)
	}
}
