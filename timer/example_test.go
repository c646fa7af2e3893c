package timer_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/shio-rt/shio/timer"
)

func ExampleInterval() {
	ctx := context.Background()
	iv := timer.NewInterval(time.Millisecond, timer.IntervalConfig{Start: time.Now(), MissedTick: timer.Skip})
	defer iv.Stop()
	for i := range 3 {
		if _, err := iv.Tick(ctx); err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println("tick", i)
	}
	// Output:
	// tick 0
	// tick 1
	// tick 2
}

func ExampleTimeout() {
	_, err := timer.Timeout(context.Background(), time.Millisecond, func(ctx context.Context) (string, error) {
		<-ctx.Done() // a slow operation that honours its context
		return "", ctx.Err()
	})
	var te interface{ Timeout() bool }
	fmt.Println(errors.As(err, &te) && te.Timeout(), errors.Is(err, context.DeadlineExceeded))
	// Output: true true
}

func ExampleDelayQueue() {
	var q timer.DelayQueue[string]
	q.InsertAfter("session-b", 2*time.Millisecond)
	q.InsertAfter("session-a", time.Millisecond)
	q.InsertAfter("session-c", 3*time.Millisecond)
	q.Remove("session-c") // the client came back
	for q.Len() > 0 {
		k, err := q.Next(context.Background())
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println("expired:", k)
	}
	// Output:
	// expired: session-a
	// expired: session-b
}
