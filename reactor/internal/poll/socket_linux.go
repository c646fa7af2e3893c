package poll

import (
	"net"
	"net/netip"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Listen opens a non-blocking TCP listening socket bound to address and
// returns its descriptor and bound address. network is "tcp", "tcp4" or
// "tcp6". With reusePort set, SO_REUSEPORT lets several sockets share the
// port so that the kernel balances new connections between them.
func Listen(network, address string, reusePort bool, backlog int) (int, *net.TCPAddr, error) {
	a, err := net.ResolveTCPAddr(network, address)
	if err != nil {
		return -1, nil, err
	}
	family, sa := sockaddr(network, a)
	fd, err := unix.Socket(family, unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, unix.IPPROTO_TCP)
	if err != nil {
		return -1, nil, err
	}
	fail := func(err error) (int, *net.TCPAddr, error) {
		unix.Close(fd)
		return -1, nil, err
	}
	if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_REUSEADDR, 1); err != nil {
		return fail(err)
	}
	if reusePort {
		if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_REUSEPORT, 1); err != nil {
			return fail(err)
		}
	}
	if family == unix.AF_INET6 && network == "tcp6" {
		unix.SetsockoptInt(fd, unix.IPPROTO_IPV6, unix.IPV6_V6ONLY, 1)
	}
	if err := unix.Bind(fd, sa); err != nil {
		return fail(&net.OpError{Op: "listen", Net: network, Addr: a, Err: err})
	}
	if err := unix.Listen(fd, backlog); err != nil {
		return fail(err)
	}
	bound, err := unix.Getsockname(fd)
	if err != nil {
		return fail(err)
	}
	return fd, tcpAddr(bound), nil
}

func sockaddr(network string, a *net.TCPAddr) (int, unix.Sockaddr) {
	ip4 := a.IP.To4()
	if network == "tcp4" || (network != "tcp6" && (ip4 != nil || a.IP == nil)) {
		if ip4 == nil && a.IP != nil {
			ip4 = net.IPv4zero.To4()
		}
		sa := &unix.SockaddrInet4{Port: a.Port}
		if ip4 != nil {
			copy(sa.Addr[:], ip4)
		}
		return unix.AF_INET, sa
	}
	sa := &unix.SockaddrInet6{Port: a.Port}
	copy(sa.Addr[:], a.IP.To16())
	return unix.AF_INET6, sa
}

func tcpAddr(sa unix.Sockaddr) *net.TCPAddr {
	switch sa := sa.(type) {
	case *unix.SockaddrInet4:
		return &net.TCPAddr{IP: append(net.IP(nil), sa.Addr[:]...), Port: sa.Port}
	case *unix.SockaddrInet6:
		return &net.TCPAddr{IP: append(net.IP(nil), sa.Addr[:]...), Port: sa.Port}
	}
	return &net.TCPAddr{}
}

// Accepter accepts connections from one listening socket without
// allocating. It is owned by one goroutine.
type Accepter struct {
	raw unix.RawSockaddrAny
}

// Accept accepts one connection as a non-blocking, close-on-exec socket
// with TCP_NODELAY set, and returns it with the peer's address. It returns
// unix.EAGAIN when no connection is pending.
func (a *Accepter) Accept(lfd int) (int, netip.AddrPort, error) {
	for {
		l := uint32(unsafe.Sizeof(a.raw))
		r, _, e := unix.Syscall6(unix.SYS_ACCEPT4, uintptr(lfd), uintptr(unsafe.Pointer(&a.raw)), uintptr(unsafe.Pointer(&l)), unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0, 0)
		if e == unix.EINTR || e == unix.ECONNABORTED {
			continue
		}
		if e != 0 {
			return -1, netip.AddrPort{}, e
		}
		fd := int(r)
		unix.SetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_NODELAY, 1)
		return fd, rawAddrPort(&a.raw), nil
	}
}

func rawAddrPort(raw *unix.RawSockaddrAny) netip.AddrPort {
	switch raw.Addr.Family {
	case unix.AF_INET:
		p := (*unix.RawSockaddrInet4)(unsafe.Pointer(raw))
		port := netPort(&p.Port)
		return netip.AddrPortFrom(netip.AddrFrom4(p.Addr), port)
	case unix.AF_INET6:
		p := (*unix.RawSockaddrInet6)(unsafe.Pointer(raw))
		port := netPort(&p.Port)
		return netip.AddrPortFrom(netip.AddrFrom16(p.Addr).Unmap(), port)
	}
	return netip.AddrPort{}
}

// netPort reads a port stored in network byte order.
func netPort(p *uint16) uint16 {
	b := (*[2]byte)(unsafe.Pointer(p))
	return uint16(b[0])<<8 | uint16(b[1])
}

// LocalAddr returns the address fd is bound to.
func LocalAddr(fd int) netip.AddrPort {
	sa, err := unix.Getsockname(fd)
	if err != nil {
		return netip.AddrPort{}
	}
	ap := tcpAddr(sa).AddrPort()
	return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
}

// Dup returns a non-blocking, close-on-exec duplicate of the descriptor
// behind sc (a *net.TCPConn or *net.TCPListener). The caller then closes
// sc; the duplicate keeps the socket open and is registered nowhere.
func Dup(sc syscall.Conn) (int, error) {
	rc, err := sc.SyscallConn()
	if err != nil {
		return -1, err
	}
	nfd := -1
	var derr error
	err = rc.Control(func(fd uintptr) {
		nfd, derr = unix.FcntlInt(fd, unix.F_DUPFD_CLOEXEC, 0)
	})
	if err != nil {
		return -1, err
	}
	if derr != nil {
		return -1, derr
	}
	if err := unix.SetNonblock(nfd, true); err != nil {
		unix.Close(nfd)
		return -1, err
	}
	return nfd, nil
}
