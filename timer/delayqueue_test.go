package timer_test

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"

	"pgregory.net/rapid"

	"github.com/shio-rt/shio/timer"
)

func TestDelayQueueYieldsKeysInDeadlineOrderAtTheirDeadlines(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var q timer.DelayQueue[string]
		start := time.Now()
		q.InsertAfter("c", 30*time.Second)
		q.InsertAfter("a", 10*time.Second)
		q.InsertAfter("b", 20*time.Second)
		q.InsertAfter("z", time.Hour)
		q.Insert("z", start.Add(5*time.Second)) // moved: now first
		q.Remove("b")
		want := []struct {
			key string
			at  time.Duration
		}{{"z", 5 * time.Second}, {"a", 10 * time.Second}, {"c", 30 * time.Second}}
		for _, w := range want {
			k, err := q.Next(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			if got := time.Since(start); k != w.key || got != w.at {
				t.Errorf("got %q at %v, want %q at %v", k, got, w.key, w.at)
			}
		}
		if q.Len() != 0 {
			t.Errorf("Len = %d after draining", q.Len())
		}
	})
}

func TestDelayQueueNextWakesForAnEarlierInsert(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var q timer.DelayQueue[int]
		start := time.Now()
		q.InsertAfter(1, time.Hour)
		got := make(chan int)
		go func() {
			k, _ := q.Next(context.Background())
			got <- k
		}()
		synctest.Wait()
		q.InsertAfter(2, time.Second)
		if k := <-got; k != 2 || time.Since(start) != time.Second {
			t.Errorf("got key %d at %v, want 2 at 1s", k, time.Since(start))
		}
	})
}

func TestDelayQueueNextOnEmptyWaitsForInsert(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var q timer.DelayQueue[int]
		got := make(chan int)
		go func() {
			k, _ := q.Next(context.Background())
			got <- k
		}()
		time.Sleep(time.Minute)
		start := time.Now()
		q.InsertAfter(7, time.Second)
		if k := <-got; k != 7 || time.Since(start) != time.Second {
			t.Errorf("got %d after %v, want 7 after 1s", k, time.Since(start))
		}
	})
}

func TestDelayQueueCancelledNextRemovesNothing(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var q timer.DelayQueue[int]
		q.InsertAfter(1, time.Minute)
		ctx, cancel := context.WithTimeout(t.Context(), time.Second)
		defer cancel()
		if _, err := q.Next(ctx); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("err = %v, want DeadlineExceeded", err)
		}
		if q.Len() != 1 {
			t.Fatalf("Len = %d after a cancelled Next, want 1", q.Len())
		}
		// A key that is due when ctx is already done stays queued too.
		time.Sleep(time.Minute)
		done, cancel2 := context.WithCancel(t.Context())
		cancel2()
		if _, err := q.Next(done); !errors.Is(err, context.Canceled) || q.Len() != 1 {
			t.Fatalf("Next(done) = %v, Len = %d; want Canceled and 1", err, q.Len())
		}
		if k, ok := q.TryNext(); !ok || k != 1 {
			t.Errorf("TryNext = %d, %v; want 1, true", k, ok)
		}
	})
}

func TestDelayQueueConcurrentWaitersEachGetOneKey(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var q timer.DelayQueue[int]
		const n = 8
		got := make(chan int, n)
		for range n {
			go func() {
				k, err := q.Next(context.Background())
				if err != nil {
					t.Error(err)
				}
				got <- k
			}()
		}
		synctest.Wait()
		for i := range n {
			q.InsertAfter(i, time.Duration(n-i)*time.Second)
		}
		seen := map[int]bool{}
		for range n {
			seen[<-got] = true
		}
		if len(seen) != n {
			t.Errorf("waiters got %d distinct keys, want %d", len(seen), n)
		}
	})
}

func TestDelayQueueResetAndDeadline(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var q timer.DelayQueue[int]
		if q.Reset(1, time.Now()) {
			t.Error("Reset of an absent key reported true")
		}
		if q.Len() != 0 {
			t.Error("Reset inserted an absent key")
		}
		d := time.Now().Add(time.Minute)
		if !q.Insert(1, time.Now()) || q.Insert(1, time.Now()) {
			t.Error("Insert did not report newness correctly")
		}
		if !q.Reset(1, d) {
			t.Error("Reset of a queued key reported false")
		}
		if got, ok := q.Deadline(1); !ok || !got.Equal(d) {
			t.Errorf("Deadline = %v, %v; want %v", got, ok, d)
		}
		if _, ok := q.TryNext(); ok {
			t.Error("TryNext returned a key before its deadline")
		}
	})
}

// TestDelayQueueMatchesModelProperty runs random operations against a map
// from key to deadline and checks every observable result.
func TestDelayQueueMatchesModelProperty(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rapid.Check(inBubble(t), func(rt *rapid.T) {
			var q timer.DelayQueue[int]
			model := map[int]time.Time{}
			key := rapid.IntRange(0, 20)
			delay := rapid.Map(rapid.Int64Range(-5, 50), func(s int64) time.Duration { return time.Duration(s) * time.Second })
			rt.Repeat(map[string]func(*rapid.T){
				"insert": func(rt *rapid.T) {
					k, d := key.Draw(rt, "k"), time.Now().Add(delay.Draw(rt, "d"))
					_, had := model[k]
					if q.Insert(k, d) == had {
						rt.Fatalf("Insert(%d) newness wrong", k)
					}
					model[k] = d
				},
				"reset": func(rt *rapid.T) {
					k, d := key.Draw(rt, "k"), time.Now().Add(delay.Draw(rt, "d"))
					_, had := model[k]
					if q.Reset(k, d) != had {
						rt.Fatalf("Reset(%d) presence wrong", k)
					}
					if had {
						model[k] = d
					}
				},
				"remove": func(rt *rapid.T) {
					k := key.Draw(rt, "k")
					_, had := model[k]
					if q.Remove(k) != had {
						rt.Fatalf("Remove(%d) presence wrong", k)
					}
					delete(model, k)
				},
				"sleep": func(rt *rapid.T) {
					time.Sleep(time.Duration(rapid.IntRange(1, 20).Draw(rt, "s")) * time.Second)
				},
				"trynext": func(rt *rapid.T) {
					k, ok := q.TryNext()
					earliest, any := time.Time{}, false
					for _, d := range model {
						if !any || d.Before(earliest) {
							earliest, any = d, true
						}
					}
					due := any && !earliest.After(time.Now())
					if ok != due {
						rt.Fatalf("TryNext ok = %v, model says %v", ok, due)
					}
					if ok {
						if !model[k].Equal(earliest) {
							rt.Fatalf("TryNext = %d due %v, but earliest is %v", k, model[k], earliest)
						}
						delete(model, k)
					}
				},
				"next": func(rt *rapid.T) {
					if len(model) == 0 {
						rt.Skip("empty")
					}
					k, err := q.Next(context.Background())
					if err != nil {
						rt.Fatal(err)
					}
					d, ok := model[k]
					if !ok || time.Now().Before(d) {
						rt.Fatalf("Next = %d at %v, model deadline %v (present %v)", k, time.Now(), d, ok)
					}
					for _, o := range model {
						if o.Before(d) {
							rt.Fatalf("Next = %d due %v, but a key due %v was queued", k, d, o)
						}
					}
					delete(model, k)
				},
				"": func(rt *rapid.T) {
					if q.Len() != len(model) {
						rt.Fatalf("Len = %d, model %d", q.Len(), len(model))
					}
					for k, d := range model {
						if got, ok := q.Deadline(k); !ok || !got.Equal(d) {
							rt.Fatalf("Deadline(%d) = %v, %v; model %v", k, got, ok, d)
						}
					}
				},
			})
		})
	})
}
