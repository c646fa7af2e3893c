package console_test

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/shio-rt/shio/console"
	"github.com/shio-rt/shio/task"
)

// A program turns collection on once, mounts the console and its metrics on
// its debug mux, and scrapes them like Prometheus would.
func Example() {
	console.SetLevel(console.Full) // at start, before spawning tasks

	c := console.New(console.Config{})
	debug := http.NewServeMux()
	debug.Handle("/debug/shio/", http.StripPrefix("/debug/shio", c))
	debug.Handle("/metrics", c.Metrics())

	ctx := context.Background()
	for range 3 {
		h := task.SpawnNamed(ctx, "example-worker", func(context.Context) (int, error) { return 0, nil })
		h.Join(ctx)
	}

	rec := httptest.NewRecorder()
	debug.ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	sc := bufio.NewScanner(rec.Body)
	for sc.Scan() {
		if line := sc.Text(); strings.Contains(line, `name="example-worker"`) && strings.HasPrefix(line, "shio_tasks_") {
			fmt.Println(line)
		}
	}
	// Output:
	// shio_tasks_spawned_total{name="example-worker"} 3
	// shio_tasks_live{name="example-worker"} 0
	// shio_tasks_panicked_total{name="example-worker"} 0
}
