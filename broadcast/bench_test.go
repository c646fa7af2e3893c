package broadcast_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/shio-rt/shio/broadcast"
)

// batch is how many values the sender sends before waiting for every
// receiver to acknowledge them. It equals the buffer size of both
// implementations, so that no receiver lags and both do the same work:
// every value reaches every receiver.
const batch = 64

// BenchmarkFanOut sends values to R receivers; one iteration is one value
// delivered to all of them. impl=broadcast is this package; impl=chans is
// one Go channel of capacity batch per receiver, the sender writing each
// value to every channel. Both acknowledge each batch the same way.
func BenchmarkFanOut(b *testing.B) {
	for _, receivers := range []int{1, 16, 256} {
		b.Run(fmt.Sprintf("impl=broadcast/receivers=%d", receivers), func(b *testing.B) { benchBroadcast(b, receivers) })
		b.Run(fmt.Sprintf("impl=chans/receivers=%d", receivers), func(b *testing.B) { benchChans(b, receivers) })
	}
}

func benchBroadcast(b *testing.B, receivers int) {
	ctx := context.Background()
	tx, rx0 := broadcast.New[int](batch)
	rx0.Close() // only the receivers below
	acks := make(chan struct{}, receivers)
	var wg sync.WaitGroup
	for range receivers {
		rx := tx.Subscribe()
		wg.Go(func() {
			for {
				v, err := rx.Recv(ctx)
				if err != nil {
					return // ErrClosed; a lag would be a bug here
				}
				if v%batch == batch-1 {
					acks <- struct{}{}
				}
			}
		})
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if _, err := tx.Send(i); err != nil {
			b.Fatal(err)
		}
		if i%batch == batch-1 {
			for range receivers {
				<-acks
			}
		}
		i++
	}
	tx.Close()
	wg.Wait()
}

func benchChans(b *testing.B, receivers int) {
	chans := make([]chan int, receivers)
	acks := make(chan struct{}, receivers)
	var wg sync.WaitGroup
	for k := range chans {
		c := make(chan int, batch)
		chans[k] = c
		wg.Go(func() {
			for v := range c {
				if v%batch == batch-1 {
					acks <- struct{}{}
				}
			}
		})
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		for _, c := range chans {
			c <- i
		}
		if i%batch == batch-1 {
			for range receivers {
				<-acks
			}
		}
		i++
	}
	for _, c := range chans {
		close(c)
	}
	wg.Wait()
}
