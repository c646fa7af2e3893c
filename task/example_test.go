package task_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/shio-rt/shio/task"
)

func ExampleSpawn() {
	ctx := context.Background()
	h := task.Spawn(ctx, func(ctx context.Context) (string, error) {
		return "hello from a task", nil
	})
	v, err := h.Join(ctx)
	fmt.Println(v, err)
	// Output: hello from a task <nil>
}

func ExampleHandle_Abort() {
	ctx := context.Background()
	h := task.Spawn(ctx, func(ctx context.Context) (int, error) {
		<-ctx.Done() // a long job that honours its context
		return 0, ctx.Err()
	})
	h.Abort()
	_, err := h.Join(ctx)
	fmt.Println(errors.Is(err, task.ErrAborted))
	// Output: true
}

func ExampleSet() {
	ctx := context.Background()
	var s task.Set[time.Duration]
	release := map[time.Duration]chan struct{}{}
	for _, d := range []time.Duration{3, 1, 2} {
		gate := make(chan struct{})
		release[d] = gate
		s.Spawn(ctx, func(context.Context) (time.Duration, error) {
			<-gate
			return d, nil
		})
	}
	// Finish them in the order 1, 2, 3: Next yields results as tasks finish,
	// not in the order they were spawned.
	for _, d := range []time.Duration{1, 2, 3} {
		close(release[d])
		r, _ := s.Next(ctx)
		fmt.Println(r.Value)
	}
	_, err := s.Next(ctx)
	fmt.Println(err)
	// Output:
	// 1ns
	// 2ns
	// 3ns
	// task: set is empty
}

func ExampleScoped() {
	err := task.Scoped(context.Background(), func(ctx context.Context, s *task.Scope) error {
		s.SetLimit(2) // at most two children at once
		s.Go(func(ctx context.Context) error {
			return errors.New("fetch failed")
		})
		s.Go(func(ctx context.Context) error {
			<-ctx.Done() // cancelled by its sibling's error
			return ctx.Err()
		})
		return nil
	})
	fmt.Println(err)
	// Output: fetch failed
}

func ExampleTracker() {
	var tr task.Tracker
	results := make(chan int, 3)
	for i := range 3 {
		tr.Go(context.Background(), func(context.Context) { results <- i * i })
	}
	tr.Close()
	_ = tr.Wait(context.Background())
	fmt.Println(len(results), "tasks finished")
	// Output: 3 tasks finished
}

func ExampleCurrent() {
	h := task.SpawnNamed(context.Background(), "worker", func(ctx context.Context) (string, error) {
		info, _ := task.Current(ctx)
		return info.Name, nil
	})
	name, _ := h.Join(context.Background())
	fmt.Println(name)
	// Output: worker
}
