package gopool_test

import (
	"sync"
	"testing"

	"github.com/shio-rt/shio/internal/gopool"
)

//go:noinline
func deep(n int) int {
	var pad [256]byte
	pad[n%256] = byte(n)
	if n == 0 {
		return int(pad[0])
	}
	return deep(n-1) + int(pad[n%256])
}

// BenchmarkPoolGo against BenchmarkGoStatement: one item at a time, each
// calling 16 frames deep (about 4 KiB of stack, as a request through
// net/http's types does), handed off and waited for.
func BenchmarkPoolGo(b *testing.B) {
	var wg sync.WaitGroup
	var p gopool.Pool[int]
	p.Run = func(n int) { deep(n); wg.Done() }
	b.ReportAllocs()
	for b.Loop() {
		wg.Add(1)
		p.Go(16)
		wg.Wait()
	}
	p.Close()
}

func BenchmarkGoStatement(b *testing.B) {
	var wg sync.WaitGroup
	b.ReportAllocs()
	for b.Loop() {
		wg.Add(1)
		go func() { deep(16); wg.Done() }()
		wg.Wait()
	}
}
