package ctxsync_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/shio-rt/shio/ctxsync"
)

func ExampleMutex() {
	var mu ctxsync.Mutex
	ctx := context.Background()
	count := 0
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range 100 {
				if err := mu.Lock(ctx); err != nil {
					return
				}
				count++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	fmt.Println(count)

	// A Lock whose context ends while the mutex is held fails cleanly.
	mu.Lock(ctx)
	short, cancel := context.WithTimeout(ctx, time.Millisecond)
	defer cancel()
	fmt.Println(mu.Lock(short))
	mu.Unlock()
	// Output:
	// 400
	// context deadline exceeded
}

func ExampleRWMutex() {
	var rw ctxsync.RWMutex
	ctx := context.Background()
	config := map[string]string{"mode": "fast"}

	rw.RLock(ctx)
	rw.RLock(ctx) // readers share the lock
	fmt.Println(config["mode"], rw.TryLock())
	rw.RUnlock()
	rw.RUnlock()

	if err := rw.Lock(ctx); err == nil {
		config["mode"] = "safe"
		rw.Unlock()
	}
	rw.RLock(ctx)
	fmt.Println(config["mode"])
	rw.RUnlock()
	// Output:
	// fast false
	// safe
}

func ExampleSemaphore() {
	// At most 2 jobs run at once.
	sem := ctxsync.NewSemaphore(2)
	ctx := context.Background()
	var mu sync.Mutex
	running, peak := 0, 0
	var wg sync.WaitGroup
	for range 6 {
		if err := sem.Acquire(ctx, 1); err != nil {
			break
		}
		wg.Go(func() {
			defer sem.Release(1)
			mu.Lock()
			running++
			peak = max(peak, running)
			mu.Unlock()
			mu.Lock()
			running--
			mu.Unlock()
		})
	}
	wg.Wait()
	fmt.Println(peak <= 2, sem.Available())

	sem.Close()
	fmt.Println(errors.Is(sem.Acquire(ctx, 1), ctxsync.ErrSemaphoreClosed))
	// Output:
	// true 2
	// true
}

func ExampleBarrier() {
	b := ctxsync.NewBarrier(3)
	var mu sync.Mutex
	leaders := 0
	var wg sync.WaitGroup
	for range 3 {
		wg.Go(func() {
			for range 2 { // two generations
				leader, err := b.Wait(context.Background())
				if err == nil && leader {
					mu.Lock()
					leaders++
					mu.Unlock()
				}
			}
		})
	}
	wg.Wait()
	fmt.Println("leaders:", leaders)
	// Output:
	// leaders: 2
}

func ExampleNotify() {
	var n ctxsync.Notify
	var mu sync.Mutex
	var queue []string

	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			mu.Lock()
			if len(queue) > 0 {
				item := queue[0]
				queue = queue[1:]
				mu.Unlock()
				fmt.Println("got", item)
				if item == "stop" {
					return
				}
				continue
			}
			mu.Unlock()
			// A NotifyOne between the check above and this Wait is
			// kept as a permit, so it is not missed.
			n.Wait(context.Background())
		}
	}()
	for _, item := range []string{"a", "b", "stop"} {
		mu.Lock()
		queue = append(queue, item)
		mu.Unlock()
		n.NotifyOne()
	}
	<-done
	// Output:
	// got a
	// got b
	// got stop
}

func ExampleNotify_Notified() {
	var n ctxsync.Notify
	t := n.Notified()
	go n.NotifyOne()
	select {
	case <-t.Done():
		fmt.Println("notified")
	case <-time.After(time.Minute):
		t.Cancel() // pass on a notification we did not take
		fmt.Println("timed out")
	}
	// Output:
	// notified
}

func ExampleEvent() {
	var ready ctxsync.Event
	go ready.Set()
	<-ready.Done()
	fmt.Println(ready.IsSet(), ready.Set())
	// Output:
	// true false
}

func ExampleCell() {
	var answer ctxsync.Cell[int]
	go answer.Set(42)
	v, err := answer.Get(context.Background())
	fmt.Println(v, err, answer.Set(7))
	// Output:
	// 42 <nil> false
}
