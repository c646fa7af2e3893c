package console_test

import (
	"os"
	"testing"

	"github.com/shio-rt/shio/console"
	"go.uber.org/goleak"
)

// The tests run at the Full level: the level is process-wide and set once,
// as a program would.
func TestMain(m *testing.M) {
	if addr := os.Getenv(holdEnv); addr != "" {
		// A child process of the browser test, holding its clients'
		// connections (see holdConns).
		os.Exit(holdConnsChild(addr))
	}
	console.SetLevel(console.Full)
	goleak.VerifyTestMain(m)
}
