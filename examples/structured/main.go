// Structured concurrency with spawned tasks and join handles: the seed's
// first pattern. A task is spawned, the main goroutine awaits its handle,
// and the result is printed.
//
//	go run ./examples/structured
package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/shio-rt/shio/task"
)

func main() {
	ctx := context.Background()

	// Spawn a task; it runs on its own goroutine with its own context.
	handle := task.Spawn(ctx, func(ctx context.Context) (string, error) {
		select {
		case <-time.After(10 * time.Millisecond): // some asynchronous work
			return "Task completed", nil
		case <-ctx.Done():
			return "", ctx.Err()
		}
	})

	// Await the handle: Join gives the task's value, its error, or its panic.
	result, err := handle.Join(ctx)
	if err != nil {
		fmt.Fprintln(os.Stderr, "task failed:", err)
		os.Exit(1)
	}
	fmt.Println("Result:", result)
}
