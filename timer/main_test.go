package timer_test

import (
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// inBubble hides t's concrete type from rapid, which otherwise asks for
// t.Deadline, a call that panics inside a synctest bubble.
func inBubble(t *testing.T) testing.TB { return struct{ testing.TB }{t} }
