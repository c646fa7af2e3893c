package watch_test

import (
	"context"
	"fmt"

	"github.com/shio-rt/shio/watch"
)

func Example() {
	ctx := context.Background()
	config, rx := watch.New("v1")
	done := make(chan struct{})
	go func() {
		defer close(done)
		// Wait for the configuration this worker needs.
		v, err := rx.WaitFor(ctx, func(v string) bool { return v == "v3" })
		fmt.Println(v, err)
	}()
	_ = config.Send("v2")
	_ = config.Send("v3")
	<-done
	// Output: v3 <nil>
}

func ExampleReceiver_Changed() {
	ctx := context.Background()
	tx, rx := watch.New(0)
	go func() {
		for i := 1; i <= 3; i++ {
			_ = tx.Send(i)
		}
		tx.Close()
	}()
	last := 0
	for rx.Changed(ctx) == nil {
		last = rx.LoadAndMarkSeen() // a slow reader may skip values, never the last
	}
	fmt.Println("last:", last)
	// Output: last: 3
}

func ExampleSender_SendIfModified() {
	tx, rx := watch.New(map[string]int{"hits": 0})
	changed := tx.SendIfModified(func(m *map[string]int) bool {
		if (*m)["hits"] >= 0 {
			*m = map[string]int{"hits": (*m)["hits"] + 1} // replace, do not mutate
			return true
		}
		return false
	})
	fmt.Println(changed, rx.Load()["hits"])
	// Output: true 1
}

func ExampleReceiver_All() {
	ctx := context.Background()
	config, rx := watch.New("v1")
	go func() {
		_ = config.Send("v2")
		config.Close()
	}()
	// The current value first, then each change the loop observes; a slow
	// loop sees the latest value, never a backlog.
	last := ""
	for v, err := range rx.All(ctx) {
		if err != nil {
			fmt.Println(err) // ctx's error, once, last
			return
		}
		last = v
	}
	fmt.Println("last:", last)
	// Output: last: v2
}
