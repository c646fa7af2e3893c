package main

import (
	"context"
	"errors"
)

// runBench is replaced by the bench subcommand as it lands.
func runBench(ctx context.Context, args []string) error {
	return errors.New("bench: not built yet")
}
