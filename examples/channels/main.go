// Command channels is the bounded-channel pattern: a producer task sends
// values through an mpsc channel of capacity 100, and the consumer prints
// what it receives until the producer closes its sender.
package main

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/shio-rt/shio/mpsc"
	"github.com/shio-rt/shio/task"
)

func main() {
	if err := run(context.Background(), os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "channels:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, w io.Writer) error {
	tx, rx := mpsc.New[int](100)

	producer := task.Spawn(ctx, func(ctx context.Context) (struct{}, error) {
		defer tx.Close() // the channel closes when its last sender does
		for i := range 10 {
			if err := tx.Send(ctx, i); err != nil {
				return struct{}{}, err
			}
		}
		return struct{}{}, nil
	})

	for v, err := range rx.All(ctx) {
		if err != nil {
			break // ctx ended; Join reports it
		}
		fmt.Fprintln(w, "got =", v)
	}
	_, err := producer.Join(ctx)
	return err
}
