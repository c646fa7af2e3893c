package wheel_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/shio-rt/shio/reactor/internal/wheel"
	"pgregory.net/rapid"
)

const tick = int64(10 * time.Millisecond)

func TestDeadlineFiresNeverEarlyAndWithinOneTick(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		w := wheel.New(time.Duration(tick), rapid.IntRange(1, 200).Draw(t, "slots"), 0)
		now := int64(0)
		armed := map[int]int64{} // id -> deadline
		due := map[int]int64{}   // id -> latest time by which it must have fired
		last := int64(0)         // time of the last Advance
		for step := range rapid.IntRange(1, 200).Draw(t, "steps") {
			switch rapid.IntRange(0, 2).Draw(t, fmt.Sprint("op", step)) {
			case 0:
				id := rapid.IntRange(0, 20).Draw(t, "id")
				at := now + rapid.Int64Range(-tick, 3000*tick).Draw(t, "in")
				w.Set(id, at)
				armed[id] = at
				due[id] = max((at+tick-1)/tick, last/tick+1) * tick
			case 1:
				id := rapid.IntRange(0, 20).Draw(t, "id")
				w.Stop(id)
				delete(armed, id)
			case 2:
				if next, ok := w.Next(); ok {
					for _, at := range armed {
						if next > max(at, now)+tick {
							t.Fatalf("Next %d is after a deadline %d (now %d)", next, at, now)
						}
					}
				} else if len(armed) > 0 {
					t.Fatalf("Next reports nothing armed, model has %d", len(armed))
				}
				now += rapid.Int64Range(0, 700*tick).Draw(t, "advance")
				var fired []int
				w.Advance(now, func(id int) { fired = append(fired, id) })
				last = now
				for _, id := range fired {
					at, ok := armed[id]
					if !ok {
						t.Fatalf("id %d fired but was not armed", id)
					}
					if at > now {
						t.Fatalf("id %d fired early: deadline %d, now %d", id, at, now)
					}
					delete(armed, id)
				}
				for id, at := range armed {
					if due[id] <= now {
						t.Fatalf("id %d (deadline %d, due %d) did not fire by %d", id, at, due[id], now)
					}
				}
			}
			if w.Len() != len(armed) {
				t.Fatalf("Len %d, model %d", w.Len(), len(armed))
			}
		}
	})
}

func TestFireMayRearm(t *testing.T) {
	w := wheel.New(time.Millisecond, 64, 0)
	w.Set(1, int64(time.Millisecond))
	w.Set(2, int64(time.Millisecond))
	var fired []int
	w.Advance(int64(2*time.Millisecond), func(id int) {
		fired = append(fired, id)
		other := 3 - id
		w.Set(other, int64(10*time.Millisecond)) // re-arm the other one
	})
	if len(fired) != 1 {
		t.Fatalf("fired %v; a node re-armed during the batch must not fire", fired)
	}
	if w.Len() != 1 {
		t.Fatalf("Len = %d, want 1", w.Len())
	}
}

func TestSetAllocatesNothingForKnownIDs(t *testing.T) {
	w := wheel.New(time.Millisecond, 256, 0)
	for id := range 100 {
		w.Set(id, int64(time.Second))
	}
	now := int64(0)
	allocs := testing.AllocsPerRun(100, func() {
		for id := range 100 {
			w.Set(id, now+int64(id)*int64(time.Millisecond))
		}
		now += int64(time.Millisecond)
		w.Advance(now, func(int) {})
	})
	if allocs != 0 {
		t.Fatalf("%v allocations per run, want 0", allocs)
	}
}

func ExampleWheel() {
	w := wheel.New(10*time.Millisecond, 512, 0)
	w.Set(7, int64(25*time.Millisecond))
	w.Set(3, int64(5*time.Millisecond))
	w.Set(9, int64(time.Hour))
	w.Stop(9)
	var fired []int
	w.Advance(int64(30*time.Millisecond), func(id int) { fired = append(fired, id) })
	slices.Sort(fired)
	fmt.Println(fired, w.Len())
	// Output: [3 7] 0
}
