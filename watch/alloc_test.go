package watch_test

import (
	"testing"

	"github.com/shio-rt/shio/watch"
)

// TestLoadDoesNotAllocateAndSendAllocatesOnce pins the documented costs.
func TestLoadDoesNotAllocateAndSendAllocatesOnce(t *testing.T) {
	tx, rx := watch.New(0)
	if n := testing.AllocsPerRun(1000, func() { _ = rx.Load(); _, _ = rx.HasChanged() }); n != 0 {
		t.Fatalf("Load allocates %v times; want 0", n)
	}
	if n := testing.AllocsPerRun(1000, func() { _ = tx.Send(1) }); n != 1 {
		t.Fatalf("Send allocates %v times; want 1", n)
	}
}
