package oneshot_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/shio-rt/shio/oneshot"
)

func Example() {
	tx, rx := oneshot.New[int]()
	go func() {
		_ = tx.Send(6 * 7) // hand the result back to the waiting caller
	}()
	v, err := rx.Recv(context.Background())
	fmt.Println(v, err)
	// Output: 42 <nil>
}

func ExampleSender_Send() {
	tx, rx := oneshot.New[string]()
	rx.Close() // the receiver gave up
	err := tx.Send("result")
	var se *oneshot.SendError[string]
	if errors.As(err, &se) {
		fmt.Println("handed back:", se.Value)
	}
	// Output: handed back: result
}
