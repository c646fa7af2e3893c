package main

import (
	"context"
	"errors"
)

// runEcho is replaced by the echo subcommand as it lands.
func runEcho(ctx context.Context, args []string) error {
	return errors.New("echo: not built yet")
}
