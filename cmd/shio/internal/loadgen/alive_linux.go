package loadgen

import (
	"net"
	"syscall"
)

// peekAlive reports, without blocking, whether c is still open: a
// non-blocking MSG_PEEK that finds no data (EAGAIN) or some data means
// open; end of stream or an error means closed. ok is false when c has no
// file descriptor to ask (then the caller uses a short read instead).
func peekAlive(c net.Conn) (alive, ok bool) {
	sc, isSC := c.(syscall.Conn)
	if !isSC {
		return false, false
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return false, false
	}
	var b [1]byte
	cerr := rc.Read(func(fd uintptr) bool {
		n, _, err := syscall.Recvfrom(int(fd), b[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
		alive = n > 0 || err == syscall.EAGAIN
		return true // never wait
	})
	return alive && cerr == nil, cerr == nil
}

// bindNoPort is a net.Dialer Control function that sets
// IP_BIND_ADDRESS_NO_PORT, so that binding a source address defers the
// choice of port to connect, which may then reuse a port that another
// connection holds to a different peer (or in TIME_WAIT). Without it, each
// bound connection needs a port of its own among all connections.
func bindNoPort(network, address string, c syscall.RawConn) error {
	var serr error
	err := c.Control(func(fd uintptr) {
		const ipBindAddressNoPort = 24 // IP_BIND_ADDRESS_NO_PORT, linux/in.h
		serr = syscall.SetsockoptInt(int(fd), syscall.IPPROTO_IP, ipBindAddressNoPort, 1)
	})
	if err != nil {
		return err
	}
	return serr
}
