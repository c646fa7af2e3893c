package main

import (
	"context"
	"errors"
)

// runServe is replaced by the serve subcommand as it lands.
func runServe(ctx context.Context, args []string) error {
	return errors.New("serve: not built yet")
}
