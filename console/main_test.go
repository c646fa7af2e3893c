package console_test

import (
	"testing"

	"github.com/shio-rt/shio/console"
	"go.uber.org/goleak"
)

// The tests run at the Full level: the level is process-wide and set once,
// as a program would.
func TestMain(m *testing.M) {
	console.SetLevel(console.Full)
	goleak.VerifyTestMain(m)
}
