package oneshot_test

import (
	"context"
	"testing"

	"github.com/shio-rt/shio/oneshot"
)

// BenchmarkOneshot measures creating a channel, sending from another
// goroutine and receiving; BenchmarkGoChannel does the same with a Go channel
// of capacity 1.
func BenchmarkOneshot(b *testing.B) {
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		tx, rx := oneshot.New[int]()
		go func() { _ = tx.Send(1) }()
		if _, err := rx.Recv(ctx); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkGoChannel(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		c := make(chan int, 1)
		go func() { c <- 1 }()
		<-c
	}
}

// BenchmarkSameGoroutine measures the channel's own cost without a
// goroutine: create, send, receive. impl=chan is a Go channel of capacity 1.
func BenchmarkSameGoroutine(b *testing.B) {
	ctx := context.Background()
	b.Run("impl=oneshot", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			tx, rx := oneshot.New[int]()
			_ = tx.Send(1)
			if _, err := rx.Recv(ctx); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("impl=chan", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			c := make(chan int, 1)
			c <- 1
			<-c
		}
	})
}
