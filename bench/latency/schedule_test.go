package main

import (
	"testing"
	"time"
)

func TestScheduleKeepsEachTiersShareAndSpreadsIt(t *testing.T) {
	s, err := parseSchedule("0:40,5ms:45,10ms:12,20ms:3")
	if err != nil {
		t.Fatal(err)
	}
	count := map[time.Duration]int{}
	for _, d := range s.slots {
		count[d]++
	}
	want := map[time.Duration]int{0: 40, 5 * time.Millisecond: 45, 10 * time.Millisecond: 12, 20 * time.Millisecond: 3}
	if len(s.slots) != 100 || len(count) != len(want) {
		t.Fatalf("slots %v", s.slots)
	}
	for d, n := range want {
		if count[d] != n {
			t.Errorf("%v: %d slots, want %d", d, count[d], n)
		}
	}
	for i := 1; i < len(s.slots); i++ {
		if s.slots[i] == 20*time.Millisecond && s.slots[i-1] == 20*time.Millisecond {
			t.Errorf("slots %d and %d both 20ms: long delays back to back", i-1, i)
		}
	}
	for _, c := range []struct {
		p    float64
		want time.Duration
	}{{0, 0}, {39.9, 0}, {50, 5 * time.Millisecond}, {90, 10 * time.Millisecond}, {99, 20 * time.Millisecond}, {100, 20 * time.Millisecond}} {
		if got := s.quantile(c.p); got != c.want {
			t.Errorf("quantile(%v) = %v, want %v", c.p, got, c.want)
		}
	}
}

func TestScheduleRejectsBadTiers(t *testing.T) {
	for _, s := range []string{"", "5ms", "5ms:0", "x:1", "5ms:1,5ms:1", "10ms:1,5ms:1", "-1ms:1"} {
		if _, err := parseSchedule(s); err == nil {
			t.Errorf("parseSchedule(%q) succeeded", s)
		}
	}
}

func TestPercentileIsNearestRank(t *testing.T) {
	var s []time.Duration
	for i := 1; i <= 100; i++ {
		s = append(s, time.Duration(i))
	}
	for p, want := range map[float64]time.Duration{0: 1, 1: 1, 50: 50, 99: 99, 99.5: 100, 100: 100} {
		if got := percentile(s, p); got != want {
			t.Errorf("p%v = %v, want %v", p, got, want)
		}
	}
}
