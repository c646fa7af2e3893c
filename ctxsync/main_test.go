package ctxsync_test

import (
	"strings"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// mustPanic runs f and fails unless it panics with a "ctxsync:" message.
func mustPanic(t *testing.T, f func()) {
	t.Helper()
	defer func() {
		t.Helper()
		r := recover()
		s, _ := r.(string)
		if !strings.HasPrefix(s, "ctxsync: ") {
			t.Fatalf("panic value %v, want a message starting with \"ctxsync: \"", r)
		}
	}()
	f()
}

// pending reports whether nothing has been sent on c yet.
func pending[T any](c <-chan T) bool {
	select {
	case <-c:
		return false
	default:
		return true
	}
}
