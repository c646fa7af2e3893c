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
	console.SetLevel(console.Full)
	code := m.Run()
	if code == 0 {
		if err := goleak.Find(); err != nil {
			os.Stderr.WriteString("goleak: " + err.Error() + "\n")
			code = 1
		}
	}
	os.Exit(code)
}
