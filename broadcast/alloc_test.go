package broadcast_test

import (
	"context"
	"testing"

	"github.com/shio-rt/shio/broadcast"
)

// TestSendAllocatesOnceAndRecvNever pins the documented costs: a Send stores
// one entry however many receivers there are, and a Recv of a ready value
// allocates nothing.
func TestSendAllocatesOnceAndRecvNever(t *testing.T) {
	ctx := context.Background()
	tx, rx0 := broadcast.New[int](16)
	rxs := make([]*broadcast.Receiver[int], 8)
	for i := range rxs {
		rxs[i] = rx0
		if i > 0 {
			rxs[i] = tx.Subscribe()
		}
	}
	send := testing.AllocsPerRun(1000, func() { _, _ = tx.Send(1) })
	if send != 1 {
		t.Fatalf("Send allocates %v times; want 1", send)
	}
	for _, rx := range rxs {
		rx.Close()
	}
	rx := tx.Subscribe()
	recv := testing.AllocsPerRun(1000, func() {
		_, _ = tx.Send(1)
		_, _ = rx.Recv(ctx)
	})
	if recv != 1 { // the Send's entry
		t.Fatalf("Send+Recv allocates %v times; want 1", recv)
	}
}
