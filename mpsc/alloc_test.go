package mpsc_test

import (
	"context"
	"testing"

	"github.com/shio-rt/shio/mpsc"
)

// TestSendAndRecvDoNotAllocate pins the cost of the non-blocking paths:
// with the buffer grown, a Send and a Recv allocate nothing.
func TestSendAndRecvDoNotAllocate(t *testing.T) {
	ctx := context.Background()
	tx, rx := mpsc.New[int](16)
	defer tx.Close()
	_ = tx.Send(ctx, 0)
	_, _ = rx.Recv(ctx)
	allocs := testing.AllocsPerRun(1000, func() {
		_ = tx.Send(ctx, 1)
		_ = tx.TrySend(2)
		_, _ = rx.Recv(ctx)
		_, _ = rx.TryRecv()
	})
	if allocs != 0 {
		t.Fatalf("Send, TrySend, Recv, TryRecv allocate %v times; want 0", allocs)
	}
}
