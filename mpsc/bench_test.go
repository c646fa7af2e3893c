package mpsc_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/shio-rt/shio/mpsc"
)

// BenchmarkSendRecv moves ints from producers to one consumer: one
// iteration is one value received, while the producers send as fast as the
// channel lets them. impl=mpsc is this package, impl=chan a Go channel of
// the same capacity driven the same way.
//
// The calls use context.Background, which can never be cancelled, against a
// plain channel send and receive. BenchmarkSendRecvCancellable is the same
// with a cancellable context on both sides: the channel side then selects on
// ctx.Done() as cancellable Go code must.
func BenchmarkSendRecv(b *testing.B) {
	for _, producers := range []int{1, 4} {
		for _, capacity := range []int{1, 64, 1024} {
			name := fmt.Sprintf("producers=%d/cap=%d", producers, capacity)
			b.Run("impl=mpsc/"+name, func(b *testing.B) { benchMPSC(b, context.Background(), producers, capacity) })
			b.Run("impl=chan/"+name, func(b *testing.B) { benchChan(b, producers, capacity) })
		}
	}
}

func BenchmarkSendRecvCancellable(b *testing.B) {
	for _, capacity := range []int{1, 64, 1024} {
		name := fmt.Sprintf("producers=1/cap=%d", capacity)
		b.Run("impl=mpsc/"+name, func(b *testing.B) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			benchMPSC(b, ctx, 1, capacity)
		})
		b.Run("impl=chan/"+name, func(b *testing.B) { benchChanSelect(b, capacity) })
	}
}

func benchMPSC(b *testing.B, ctx context.Context, producers, capacity int) {
	tx, rx := mpsc.New[int](capacity)
	var stop atomic.Bool
	var wg sync.WaitGroup
	for range producers {
		tx := tx.Clone()
		wg.Go(func() {
			defer tx.Close()
			for i := 0; !stop.Load(); i++ {
				if tx.Send(ctx, i) != nil {
					return
				}
			}
		})
	}
	tx.Close()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := rx.Recv(ctx); err != nil {
			b.Fatal(err)
		}
	}
	stop.Store(true)
	rx.Close() // fails the blocked producers
	wg.Wait()
}

func benchChan(b *testing.B, producers, capacity int) {
	c := make(chan int, capacity)
	var stop atomic.Bool
	var wg sync.WaitGroup
	for range producers {
		wg.Go(func() {
			for i := 0; !stop.Load(); i++ {
				c <- i
			}
		})
	}
	b.ReportAllocs()
	for b.Loop() {
		<-c
	}
	stop.Store(true)
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	for {
		select {
		case <-c:
		case <-done:
			return
		}
	}
}

func benchChanSelect(b *testing.B, capacity int) {
	ctx, cancel := context.WithCancel(context.Background())
	c := make(chan int, capacity)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 0; ; i++ {
			select {
			case c <- i:
			case <-ctx.Done():
				return
			}
		}
	}()
	b.ReportAllocs()
	for b.Loop() {
		select {
		case <-c:
		case <-ctx.Done():
			b.Fatal(ctx.Err())
		}
	}
	cancel()
	<-done
}

// BenchmarkUncontended is one goroutine alternating a non-blocking send and
// a non-blocking receive on a channel that is never full or empty at the
// wrong moment: it isolates the cost of the fast paths, with no parking and
// no contention. impl=chan is a Go channel with select-default on both
// sides, its non-blocking equivalent.
func BenchmarkUncontended(b *testing.B) {
	b.Run("impl=mpsc", func(b *testing.B) {
		tx, rx := mpsc.New[int](64)
		defer tx.Close()
		b.ReportAllocs()
		for b.Loop() {
			if tx.TrySend(1) != nil {
				b.Fatal("TrySend failed")
			}
			if _, err := rx.TryRecv(); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("impl=chan", func(b *testing.B) {
		c := make(chan int, 64)
		b.ReportAllocs()
		for b.Loop() {
			select {
			case c <- 1:
			default:
				b.Fatal("send failed")
			}
			select {
			case <-c:
			default:
				b.Fatal("receive failed")
			}
		}
	})
}
