package stream_test

import (
	"context"
	"runtime"
	"testing"
	"time"

	"github.com/shio-rt/shio/timer"
)

const keys = 100_000

// heapInUse returns the live heap after a full collection.
func heapInUse() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// BenchmarkDelayQueueMemory inserts 100k keys due in an hour, measures the
// live heap they take, then removes them. B/key is the memory per pending
// key; ns/op is per batch of 100k inserts and removes.
//
// The peers: one time.AfterFunc per key whose callback hands the key on
// (bare), and the same plus the map[key]*time.Timer a program needs to
// reset or remove a key, which is what DelayQueue offers.
func BenchmarkDelayQueueMemory(b *testing.B) {
	out := make(chan int, keys)
	b.Run("shio", func(b *testing.B) {
		b.ReportAllocs()
		var perKey float64
		for b.Loop() {
			before := heapInUse()
			q := new(timer.DelayQueue[int])
			deadline := time.Now().Add(time.Hour)
			for k := range keys {
				q.Insert(k, deadline.Add(time.Duration(k)*time.Microsecond))
			}
			perKey = float64(heapInUse()-before) / keys
			for k := range keys {
				q.Remove(k)
			}
			runtime.KeepAlive(q)
		}
		b.ReportMetric(perKey, "B/key")
	})
	b.Run("afterfunc", func(b *testing.B) {
		b.ReportAllocs()
		var perKey float64
		for b.Loop() {
			before := heapInUse()
			timers := make([]*time.Timer, keys) // only to stop them afterwards
			for k := range keys {
				timers[k] = time.AfterFunc(time.Hour+time.Duration(k)*time.Microsecond, func() { out <- k })
			}
			perKey = float64(heapInUse()-before-uint64(keys*8)) / keys // minus the slice
			for _, t := range timers {
				t.Stop()
			}
		}
		b.ReportMetric(perKey, "B/key")
	})
	b.Run("afterfunc+map", func(b *testing.B) {
		b.ReportAllocs()
		var perKey float64
		for b.Loop() {
			before := heapInUse()
			timers := make(map[int]*time.Timer)
			for k := range keys {
				timers[k] = time.AfterFunc(time.Hour+time.Duration(k)*time.Microsecond, func() { out <- k })
			}
			perKey = float64(heapInUse()-before) / keys
			for k, t := range timers {
				t.Stop()
				delete(timers, k)
			}
		}
		b.ReportMetric(perKey, "B/key")
	})
}

// BenchmarkDelayQueueExpire inserts 100k keys due within the next 10ms and
// receives every one as it expires. ns/op is per batch; ns/key divides it.
func BenchmarkDelayQueueExpire(b *testing.B) {
	ctx := context.Background()
	b.Run("shio", func(b *testing.B) {
		b.ReportAllocs()
		var q timer.DelayQueue[int]
		for b.Loop() {
			now := time.Now()
			for k := range keys {
				q.Insert(k, now.Add(time.Duration(k%10_000)*time.Microsecond))
			}
			for range keys {
				if _, err := q.Next(ctx); err != nil {
					b.Fatal(err)
				}
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*keys), "ns/key")
	})
	b.Run("afterfunc", func(b *testing.B) {
		b.ReportAllocs()
		out := make(chan int, keys)
		for b.Loop() {
			for k := range keys {
				time.AfterFunc(time.Duration(k%10_000)*time.Microsecond, func() { out <- k })
			}
			for range keys {
				<-out
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*keys), "ns/key")
	})
}
