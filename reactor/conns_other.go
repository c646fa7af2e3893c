//go:build !linux || reactor_portable

package reactor

import (
	"context"
	"errors"
	"fmt"
)

func (r *Reactor) connInfos(context.Context, int) ([]ConnInfo, error) {
	return nil, fmt.Errorf("reactor: Conns: %w on the portable reactor", errors.ErrUnsupported)
}
