package timer_test

import (
	"testing"
	"time"

	"github.com/shio-rt/shio/timer"
)

func TestDelayQueueSteadyStateDoesNotAllocate(t *testing.T) {
	var q timer.DelayQueue[int]
	past := time.Now().Add(-time.Second)
	for k := range 64 { // warm up the slices and the map
		q.Insert(k, past)
	}
	k := 0
	n := testing.AllocsPerRun(1000, func() {
		q.Insert(1000+k%64, past.Add(time.Duration(k)))
		q.TryNext()
		k++
	})
	if n != 0 {
		t.Errorf("%v allocations per insert+expire, want 0", n)
	}
}

func TestIntervalTickDoesNotAllocate(t *testing.T) {
	iv := timer.NewInterval(time.Nanosecond, timer.IntervalConfig{Start: time.Now().Add(-time.Hour)})
	ctx := t.Context()
	if n := testing.AllocsPerRun(1000, func() { iv.Tick(ctx) }); n != 0 {
		t.Errorf("%v allocations per due tick, want 0", n)
	}
}
