package main

import (
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// Example runs the program and checks what it prints: no increment is lost.
func Example() {
	main()
	// Output: Final count: 10000
}
