package mpsc_test

import (
	"context"
	"fmt"

	"github.com/shio-rt/shio/mpsc"
)

func Example() {
	ctx := context.Background()
	tx, rx := mpsc.New[string](2)
	for _, name := range []string{"a", "b"} {
		tx := tx.Clone() // one handle per producer
		go func() {
			defer tx.Close()
			_ = tx.Send(ctx, name)
		}()
	}
	tx.Close() // the channel closes when the producers' handles close

	n := 0
	for _, err := range rx.All(ctx) {
		if err != nil {
			return // ctx ended
		}
		n++
	}
	fmt.Println("received", n)
	// Output: received 2
}

func ExampleSender_Reserve() {
	ctx := context.Background()
	tx, rx := mpsc.New[int](1)
	defer tx.Close()
	p, err := tx.Reserve(ctx) // wait for room before computing the value
	if err != nil {
		return
	}
	p.Send(42) // never blocks, never fails
	v, _ := rx.Recv(ctx)
	fmt.Println(v)
	// Output: 42
}

func ExampleReceiver_Close() {
	ctx := context.Background()
	tx, rx := mpsc.New[int](4)
	_ = tx.Send(ctx, 1)
	_ = tx.Send(ctx, 2)
	rx.Close()
	fmt.Println(tx.Send(ctx, 3))
	for v, err := range rx.All(ctx) {
		if err != nil {
			return
		}
		fmt.Println(v)
	}
	// Output:
	// mpsc: channel closed
	// 1
	// 2
}

func ExampleReceiver_RecvMany() {
	ctx := context.Background()
	tx, rx := mpsc.NewUnbounded[int]()
	for i := range 5 {
		_ = tx.Send(ctx, i)
	}
	tx.Close()
	var batch []int
	for {
		var err error
		batch, err = rx.RecvMany(ctx, batch[:0], 3)
		if err != nil {
			break
		}
		fmt.Println(batch)
	}
	// Output:
	// [0 1 2]
	// [3 4]
}

func ExampleReceiver_All() {
	tx, rx := mpsc.New[int](4)
	_ = tx.Send(context.Background(), 1)
	_ = tx.Send(context.Background(), 2)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	for v, err := range rx.All(ctx) {
		if err != nil {
			fmt.Println(err) // ctx's error, once, last
			break
		}
		fmt.Println(v)
		if v == 2 {
			cancel() // the channel stays open; the loop ends with ctx's error
		}
	}
	tx.Close()
	for v, err := range rx.All(context.Background()) {
		fmt.Println(v, err) // nothing left: a closed channel ends the loop quietly
	}
	fmt.Println("done")
	// Output:
	// 1
	// 2
	// context canceled
	// done
}
