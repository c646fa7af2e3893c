package loadgen

import (
	"testing"
	"time"
)

// TestSlotsTileTheRange checks the layout exhaustively: the slots cover
// 0..maxLatency without gaps or overlaps, in order, each value lands in the
// slot whose range holds it, and no slot is wider than 1/1024 of its
// smallest value (three significant digits) — the layout of an HDR
// histogram with three significant digits, against which it was checked
// value for value when it replaced github.com/HdrHistogram/hdrhistogram-go.
func TestSlotsTileTheRange(t *testing.T) {
	next := int64(0)
	last := slot(int64(maxLatency))
	for i := 0; i <= last; i++ {
		lo, hi := slotRange(i)
		if lo != next || hi < lo {
			t.Fatalf("slot %d is [%d, %d], want it to start at %d", i, lo, hi, next)
		}
		if slot(lo) != i || slot(hi) != i {
			t.Fatalf("slot %d is [%d, %d] but its ends land in %d and %d", i, lo, hi, slot(lo), slot(hi))
		}
		if lo >= subCount && (hi-lo+1)*1024 > lo {
			t.Fatalf("slot %d, [%d, %d], is wider than 1/1024 of %d", i, lo, hi, lo)
		}
		next = hi + 1
	}
	if next <= int64(maxLatency) || last >= slots {
		t.Fatalf("the slots end at %d (slot %d of %d); maxLatency is %d", next-1, last, slots, int64(maxLatency))
	}
}

func TestMergeEmpty(t *testing.T) {
	a, b := NewHistogram(), NewHistogram()
	a.Merge(b)
	if a.Count() != 0 || a.Min() != 0 || a.Max() != 0 {
		t.Fatal("merging an empty histogram added a sample")
	}
	b.Record(3 * time.Millisecond)
	b.Record(5 * time.Millisecond)
	a.Merge(b)
	a.Merge(NewHistogram())
	if a.Count() != 2 || a.Min() != 3*time.Millisecond || a.Max() != 5*time.Millisecond || a.Mean() != 4*time.Millisecond {
		t.Fatalf("count %d min %v max %v mean %v", a.Count(), a.Min(), a.Max(), a.Mean())
	}
}
