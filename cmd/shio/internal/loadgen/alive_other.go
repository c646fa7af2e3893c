//go:build !linux

package loadgen

import (
	"net"
	"syscall"
)

// peekAlive is not available here; the caller uses a short read.
func peekAlive(c net.Conn) (alive, ok bool) { return false, false }

// bindNoPort does nothing here.
var bindNoPort func(network, address string, c syscall.RawConn) error
