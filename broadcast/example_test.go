package broadcast_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/shio-rt/shio/broadcast"
)

func Example() {
	ctx := context.Background()
	room, alice := broadcast.New[string](16)
	bob := room.Subscribe()

	n, _ := room.Send("hello, room")
	fmt.Println("delivered to", n)
	a, _ := alice.Recv(ctx)
	b, _ := bob.Recv(ctx)
	fmt.Println(a, "/", b)
	// Output:
	// delivered to 2
	// hello, room / hello, room
}

func ExampleLagError() {
	ctx := context.Background()
	tx, slow := broadcast.New[int](2)
	for i := range 5 {
		_, _ = tx.Send(i) // the channel keeps only the last 2
	}
	tx.Close()
	for {
		v, err := slow.Recv(ctx)
		var lag *broadcast.LagError
		if errors.As(err, &lag) {
			fmt.Println("missed", lag.Missed)
			continue
		}
		if err != nil {
			fmt.Println(err)
			break
		}
		fmt.Println(v)
	}
	// Output:
	// missed 3
	// 3
	// 4
	// broadcast: channel closed
}

func ExampleReceiver_All() {
	ctx := context.Background()
	tx, rx := broadcast.New[int](2)
	for i := range 5 {
		_, _ = tx.Send(i) // the channel keeps only the last 2
	}
	tx.Close()
	for v, err := range rx.All(ctx) {
		var lag *broadcast.LagError
		if errors.As(err, &lag) {
			fmt.Println("missed", lag.Missed) // not the end: the loop goes on
			continue
		}
		if err != nil {
			fmt.Println(err) // ctx's error, once, last
			return
		}
		fmt.Println(v)
	}
	fmt.Println("closed")
	// Output:
	// missed 3
	// 3
	// 4
	// closed
}
