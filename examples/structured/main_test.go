package main

import (
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// Example runs the program and checks what it prints.
func Example() {
	main()
	// Output: Result: Task completed
}
