package watch_test

import (
	"testing"

	"github.com/shio-rt/shio/watch"
)

// TestBorrowDoesNotAllocateAndSendAllocatesOnce pins the documented costs.
func TestBorrowDoesNotAllocateAndSendAllocatesOnce(t *testing.T) {
	tx, rx := watch.New(0)
	if n := testing.AllocsPerRun(1000, func() { _ = rx.Borrow(); _, _ = rx.HasChanged() }); n != 0 {
		t.Fatalf("Borrow allocates %v times; want 0", n)
	}
	if n := testing.AllocsPerRun(1000, func() { _ = tx.Send(1) }); n != 1 {
		t.Fatalf("Send allocates %v times; want 1", n)
	}
}
