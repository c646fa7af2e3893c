package obs

import (
	"math/bits"
	"sync/atomic"
)

// Buckets is the number of finite buckets of a [Histogram]. Bucket i counts
// durations up to BucketBound(i): 1µs, 2µs, 4µs, ... about 8.4s; one more
// counts the rest.
const Buckets = 24

// BucketBound returns the upper bound of bucket i in nanoseconds.
func BucketBound(i int) int64 { return 1000 << i }

// histStripes is the number of stripes of a Histogram: observers with
// different stripe indexes (tasks with different IDs) write different cache
// lines, so that tasks finishing on different cores do not take one line
// from each other.
const histStripes = 4

// A Histogram counts durations in power-of-two buckets from 1µs. Observe is
// lock-free (two atomic adds on one stripe); a snapshot taken while it runs
// may see the buckets of slightly different moments. The zero value is
// empty and ready to use.
type Histogram struct {
	stripe [histStripes]histStripe
}

type histStripe struct {
	buckets [Buckets + 1]atomic.Int64
	sum     atomic.Int64 // nanoseconds
	_       [48]byte     // 256 bytes: a stripe starts on its own cache line
}

// Observe records a duration of d nanoseconds (negative counts as zero) in
// stripe s (any number; it is reduced modulo the stripe count).
func (h *Histogram) Observe(s uint32, d int64) {
	d = max(d, 0)
	i := Buckets
	if d <= 1000 {
		i = 0
	} else if b := bits.Len64(uint64(d-1) / 1000); b < Buckets {
		i = b
	}
	st := &h.stripe[s%histStripes]
	st.buckets[i].Add(1)
	st.sum.Add(d)
}

// HistogramSnapshot is a copy of a Histogram's counts. Buckets are not
// cumulative: Buckets[i] counts the durations in (BucketBound(i-1),
// BucketBound(i)], and the last the durations above BucketBound(Buckets-1).
type HistogramSnapshot struct {
	Buckets [Buckets + 1]int64 `json:"buckets"`
	Count   int64              `json:"count"`
	Sum     int64              `json:"sum_ns"`
}

// Snapshot copies the histogram. Count is the sum of the buckets read, so
// that the snapshot is self-consistent for Prometheus (the +Inf bucket
// equals the count).
func (h *Histogram) Snapshot() HistogramSnapshot {
	var s HistogramSnapshot
	for j := range h.stripe {
		st := &h.stripe[j]
		for i := range s.Buckets {
			n := st.buckets[i].Load()
			s.Buckets[i] += n
			s.Count += n
		}
		s.Sum += st.sum.Load()
	}
	return s
}

// Quantile returns an upper bound of the q-quantile (0 < q <= 1) in
// nanoseconds: the bound of the bucket it falls in, or -1 if it falls past
// the last finite bucket or the histogram is empty.
func (s HistogramSnapshot) Quantile(q float64) int64 {
	if s.Count == 0 {
		return -1
	}
	rank := int64(q*float64(s.Count) + 0.5)
	rank = min(max(rank, 1), s.Count)
	var acc int64
	for i := range Buckets {
		acc += s.Buckets[i]
		if acc >= rank {
			return BucketBound(i)
		}
	}
	return -1
}
