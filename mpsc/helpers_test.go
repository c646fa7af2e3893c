package mpsc_test

import (
	"testing"
	"time"
)

// waitFor polls cond until it holds, failing the test after a generous
// deadline. It synchronises tests outside synctest without sleeping blindly.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not reached before the deadline")
		}
		time.Sleep(time.Millisecond)
	}
}
