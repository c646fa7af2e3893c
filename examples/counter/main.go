// Shared state under an async mutex: the seed's fourth pattern. Several
// tasks increment one counter, each holding a ctxsync.Mutex while it does,
// and the final count is printed.
//
//	go run ./examples/counter
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/shio-rt/shio/ctxsync"
	"github.com/shio-rt/shio/task"
)

const tasks, increments = 10, 1000

func main() {
	ctx := context.Background()
	var mu ctxsync.Mutex
	counter := 0 // guarded by mu

	handles := make([]*task.Handle[struct{}], tasks)
	for i := range handles {
		handles[i] = task.Spawn(ctx, func(ctx context.Context) (struct{}, error) {
			for range increments {
				// Lock waits in FIFO order and gives up if ctx is cancelled.
				if err := mu.Lock(ctx); err != nil {
					return struct{}{}, err
				}
				counter++
				mu.Unlock()
			}
			return struct{}{}, nil
		})
	}
	for _, h := range handles {
		if _, err := h.Join(ctx); err != nil {
			fmt.Fprintln(os.Stderr, "task failed:", err)
			os.Exit(1)
		}
	}
	fmt.Println("Final count:", counter)
}
