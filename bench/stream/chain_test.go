package stream_test

import (
	"context"
	"testing"

	"github.com/shio-rt/shio/stream"
)

// The chain under test: map (x*3), filter (keep even), map (x+1). Every
// variant yields the same sequence; each b.Loop iteration takes one output
// element (two source elements, as the filter drops half).
func f1(x int) int    { return x * 3 }
func keep(x int) bool { return x%2 == 0 }
func f2(x int) int    { return x + 1 }

var sink int

func BenchmarkChain(b *testing.B) {
	b.Run("shio", func(b *testing.B) {
		b.ReportAllocs()
		ctx := context.Background()
		i := 0
		src := stream.FromFunc(func(context.Context) (int, error) { i++; return i, nil }, nil)
		s := stream.Map(stream.Filter(stream.Map(src, f1), keep), f2)
		defer s.Close()
		for b.Loop() {
			v, err := s.Next(ctx)
			if err != nil {
				b.Fatal(err)
			}
			sink = v
		}
	})
	for _, buf := range []int{0, 64} {
		name := "channels-unbuffered"
		if buf > 0 {
			name = "channels-buffered64"
		}
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			ctx, cancel := context.WithCancel(context.Background())
			out, wait := channelPipeline(ctx, buf)
			defer wait()
			defer cancel()
			for b.Loop() {
				sink = <-out
			}
		})
	}
	b.Run("loop", func(b *testing.B) {
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			for {
				i++
				if x := f1(i); keep(x) {
					sink = f2(x)
					break
				}
			}
		}
	})
}

// channelPipeline is the idiomatic hand-written version: one goroutine per
// stage, connected by channels, stopped by ctx. wait waits for them.
func channelPipeline(ctx context.Context, buf int) (<-chan int, func()) {
	done := make(chan struct{}, 4)
	stage := func(in <-chan int, f func(int) (int, bool)) <-chan int {
		out := make(chan int, buf)
		go func() {
			defer func() { done <- struct{}{} }()
			defer close(out)
			for v := range in {
				if w, ok := f(v); ok {
					select {
					case out <- w:
					case <-ctx.Done():
						return
					}
				}
			}
		}()
		return out
	}
	src := make(chan int, buf)
	go func() {
		defer func() { done <- struct{}{} }()
		defer close(src)
		for i := 1; ; i++ {
			select {
			case src <- i:
			case <-ctx.Done():
				return
			}
		}
	}()
	a := stage(src, func(x int) (int, bool) { return f1(x), true })
	c := stage(a, func(x int) (int, bool) { return x, keep(x) })
	out := stage(c, func(x int) (int, bool) { return f2(x), true })
	return out, func() {
		for range 4 {
			<-done
		}
	}
}
