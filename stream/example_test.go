package stream_test

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/shio-rt/shio/stream"
	"github.com/shio-rt/shio/timer"
)

func Example() {
	ctx := context.Background()
	words := stream.FromSlice([]string{"3", "x", "10", "4", "7"})
	nums := stream.FilterMap(words, func(w string) (int, bool) {
		n, err := strconv.Atoi(w)
		return n, err == nil
	})
	evens := stream.Filter(nums, func(n int) bool { return n%2 == 0 })
	squares := stream.Map(evens, func(n int) int { return n * n })
	for v, err := range stream.All(ctx, squares) {
		if err != nil {
			fmt.Println("error:", err)
			return
		}
		fmt.Println(v)
	}
	// Output:
	// 100
	// 16
}

func ExampleFromInterval() {
	iv := timer.NewInterval(time.Millisecond, timer.IntervalConfig{})
	ticks := stream.Take(stream.FromInterval(iv), 3)
	n, err := stream.Fold(context.Background(), ticks, 0, func(n int, _ timer.Tick) int { return n + 1 })
	fmt.Println(n, err)
	// Output: 3 <nil>
}

func ExampleChunksTimeout() {
	src := stream.FromSlice([]int{1, 2, 3, 4, 5, 6, 7})
	chunks, err := stream.Collect(context.Background(), stream.ChunksTimeout(src, 3, time.Hour))
	fmt.Println(chunks, err)
	// Output: [[1 2 3] [4 5 6] [7]] <nil>
}

func ExampleMapConcurrent() {
	square := func(ctx context.Context, n int) (int, error) {
		// Later values finish first, yet results keep the input order.
		err := timer.Sleep(ctx, time.Duration(5-n)*time.Millisecond)
		return n * n, err
	}
	out, err := stream.Collect(context.Background(),
		stream.MapConcurrent(stream.FromSlice([]int{1, 2, 3, 4}), 4, square))
	fmt.Println(out, err)
	// Output: [1 4 9 16] <nil>
}

func ExampleMapConcurrentUnordered() {
	double := func(_ context.Context, n int) (int, error) { return 2 * n, nil }
	out, err := stream.Collect(context.Background(),
		stream.MapConcurrentUnordered(stream.FromSlice([]int{1, 2, 3, 4}), 2, double))
	slices.Sort(out) // completion order varies
	fmt.Println(out, err)
	// Output: [2 4 6 8] <nil>
}

func ExampleMerge() {
	a := stream.FromSlice([]string{"a1", "a2"})
	b := stream.FromSlice([]string{"b1"})
	out, _ := stream.Collect(context.Background(), stream.Merge(a, b))
	slices.Sort(out) // interleaving varies
	fmt.Println(out)
	// Output: [a1 a2 b1]
}

func ExampleStreamMap() {
	var m stream.StreamMap[string, int]
	defer m.Close()
	m.Insert("room-1", stream.FromSlice([]int{1, 2}))
	m.Insert("room-2", stream.FromSlice([]int{10}))
	sum := map[string]int{}
	for {
		e, err := m.Next(context.Background())
		if err != nil { // io.EOF: every stream ended
			break
		}
		sum[e.Key] += e.Value
	}
	fmt.Println(sum)
	// Output: map[room-1:3 room-2:10]
}

func ExampleGenerate() {
	fib := stream.Generate(func(ctx context.Context, yield func(int) error) error {
		a, b := 0, 1
		for {
			if err := yield(a); err != nil {
				return err
			}
			a, b = b, a+b
		}
	})
	out, err := stream.Collect(context.Background(), stream.Take(fib, 8))
	fmt.Println(out, err)
	// Output: [0 1 1 2 3 5 8 13] <nil>
}
