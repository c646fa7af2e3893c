package broadcast_test

import (
	"runtime"
	"testing"
	"time"
)

// collectUntil runs the garbage collector until cond holds, failing the test
// after a generous deadline. Cleanups run on their own goroutine after a
// collection, so one runtime.GC is not enough to observe them.
func collectUntil(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		runtime.GC()
		if cond() {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("condition not reached before the deadline")
		}
		time.Sleep(time.Millisecond)
	}
}
